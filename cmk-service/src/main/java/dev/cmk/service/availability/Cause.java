package dev.cmk.service.availability;

import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;

/** Why a key is unavailable: the customer's decision or an outage. */
public enum Cause {
  NONE,
  /**
   * The provider answered and said no: disabled, being deleted, missing, access denied (or the
   * probe's round trip did not authenticate, which only a misconfiguration causes).
   */
  REFUSED,
  /** The provider could not be reached or did not answer in time (or is throttling). */
  UNREACHABLE;

  public static Cause of(ProviderException e) {
    return e instanceof KeyUnavailableException ? UNREACHABLE : REFUSED;
  }
}
