package dev.cmk.service.key;

import java.util.List;
import java.util.Optional;

/** Persistence of customer key registrations. */
public interface CustomerKeyStore {
  void insert(CustomerKey key);

  void update(CustomerKey key);

  Optional<CustomerKey> find(String keyId);

  List<CustomerKey> listForAccount(String accountId);

  default Optional<CustomerKey> findActive(String accountId) {
    return listForAccount(accountId).stream()
        .filter(k -> k.status() == CustomerKey.Status.ACTIVE)
        .findFirst();
  }
}
