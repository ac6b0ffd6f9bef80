package dev.cmk.service.availability;

/** How usable an account's customer key is right now. */
public enum KeyState {
  /** The primary key answers. */
  AVAILABLE,
  /** A replica answers because the primary does not: content is served, with less headroom. */
  DEGRADED,
  /** Neither the key nor a replica can be used; {@link Cause} says why. */
  UNAVAILABLE;

  /** The gauge value exported per account: 0 available, 1 degraded, 2 unavailable. */
  public int gaugeValue() {
    return ordinal();
  }
}
