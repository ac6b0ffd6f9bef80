package dev.cmk.service.key;

import java.util.List;
import java.util.Optional;

/** Persistence of customer key registrations. */
public interface CustomerKeyStore {
  void insert(CustomerKey key);

  void update(CustomerKey key);

  Optional<CustomerKey> find(String keyId);

  List<CustomerKey> listForAccount(String accountId);

  /**
   * Registrations of other accounts than {@code accountId} that are ACTIVE or RETIRED (may still
   * protect content) and name {@code keyId} at {@code provider} as primary or replica.
   */
  List<CustomerKey> registeredElsewhere(String provider, String keyId, String accountId);

  default Optional<CustomerKey> findActive(String accountId) {
    return listForAccount(accountId).stream()
        .filter(k -> k.status() == CustomerKey.Status.ACTIVE)
        .findFirst();
  }

  /**
   * {@link #findActive} from this node's memory: at most the store's staleness bound old (changes
   * made on this node are seen at once). For the request path only.
   */
  default Optional<CustomerKey> findActiveCached(String accountId) {
    return findActive(accountId);
  }
}
