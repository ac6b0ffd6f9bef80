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
}
