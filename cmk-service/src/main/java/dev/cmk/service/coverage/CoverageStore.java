package dev.cmk.service.coverage;

import java.util.List;

/** The counts a coverage report is made of, straight from the object rows. */
public interface CoverageStore {
  /** Objects and bytes of one (protection, asset type, root key) group. */
  record Group(
      String protection,
      String assetType,
      String rootProvider,
      String rootKeyId,
      long objects,
      long bytes) {}

  /** Objects and bytes. */
  record Count(long objects, long bytes) {}

  /** The account's objects grouped by protection, asset type and the root key of their KEK. */
  List<Group> groups(String accountId);

  /**
   * What a backfill would move: platform-key objects of CMK-licensed owners with a CMK-eligible
   * asset type (the rule of {@code ProtectionPolicy} and the backfill job).
   */
  Count backfillable(String accountId);

  /** Objects and bytes by protection over every account (the unlabelled gauge). */
  List<Group> totalsByProtection();
}
