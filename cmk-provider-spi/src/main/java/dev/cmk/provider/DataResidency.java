package dev.cmk.provider;

/**
 * The onboarding rule that a root key lives where the account's data must stay. Only the primary is
 * checked: registered replicas exist precisely to sit in other regions.
 */
public final class DataResidency {
  private DataResidency() {}

  /**
   * Checks that {@code key}'s primary is in {@code residencyRegion}, when the provider can tell the
   * region from the id (AWS ARNs can; ids without a region pass).
   *
   * @throws KeyIdFormatException naming the key's region and the region required
   */
  public static void check(KeyProvider provider, KeyRef key, String residencyRegion) {
    provider
        .regionOf(key.keyId())
        .filter(region -> !region.equals(residencyRegion))
        .ifPresent(
            region -> {
              throw new KeyIdFormatException(
                  "key "
                      + key.keyId()
                      + " is in "
                      + region
                      + ", but this account's data must stay in "
                      + residencyRegion,
                  "a key in " + residencyRegion + " (replicas may be in other regions)");
            });
  }
}
