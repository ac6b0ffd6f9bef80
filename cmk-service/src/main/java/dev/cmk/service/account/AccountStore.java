package dev.cmk.service.account;

import java.util.List;
import java.util.Optional;

/** Persistence of accounts and users. */
public interface AccountStore {
  void insert(Account account);

  Optional<Account> find(String accountId);

  List<Account> list();

  void update(Account account);

  void upsertUser(User user);

  Optional<User> findUser(String accountId, String userId);

  List<User> listUsers(String accountId);

  /**
   * {@link #find} from this node's memory: at most the store's staleness bound old (changes made on
   * this node are seen at once). For the request path only, never to read-modify-write.
   */
  default Optional<Account> findCached(String accountId) {
    return find(accountId);
  }

  /** {@link #findUser} from this node's memory, like {@link #findCached}. */
  default Optional<User> findUserCached(String accountId, String userId) {
    return findUser(accountId, userId);
  }
}
