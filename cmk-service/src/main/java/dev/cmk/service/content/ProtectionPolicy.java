package dev.cmk.service.content;

import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.kek.Protection;

/**
 * DESIGN.md flow 2: the customer's key protects an object only when its owner (for meeting assets,
 * the organizer) holds a CMK license, the asset type is CMK-eligible and the account has an active
 * key. Everything else is protected by the platform key.
 */
public final class ProtectionPolicy {
  private ProtectionPolicy() {}

  public static Protection choose(
      AssetType type, boolean ownerLicensed, boolean accountHasActiveKey) {
    return type.cmkEligible() && ownerLicensed && accountHasActiveKey
        ? Protection.CMK
        : Protection.PLATFORM;
  }
}
