package dev.cmk.service.key;

import java.util.List;

/** Persistence of the search service's standing grants. */
public interface SearchGrantStore {
  /**
   * Stores a grant; returns false (and changes nothing) when one for the same registration and key
   * is stored already.
   */
  boolean insert(SearchGrant grant);

  /** Sets status, grant id, last error and updated time. */
  void update(SearchGrant grant);

  void delete(String id);

  /** The account's grants, oldest first. */
  List<SearchGrant> listForAccount(String accountId);

  /** Accounts that have at least one grant row (what a probe round looks at). */
  List<String> accountsWithGrants();

  /**
   * Whether any KEK of the account is still wrapped by this root key. A switch away from a key is
   * final once none is: until then the old key still serves reads, search's among them.
   */
  boolean wrapsKeks(String accountId, String provider, String rootKeyId);
}
