package dev.cmk.service.key;

import dev.cmk.provider.KeyRef;
import java.time.Instant;

/** An account's registration of its own root key at a provider. */
public record CustomerKey(
    String id, String accountId, KeyRef ref, Status status, Instant createdAt, Instant updatedAt) {

  /** Lifecycle of a registration. Only an ACTIVE key protects content. */
  public enum Status {
    /** Registered, validation failed or not yet run. */
    PENDING,
    /** Every required check passed; protects new content. */
    ACTIVE,
    /** Replaced by another key or removed by the admin. */
    RETIRED,
    /** Deleted by the admin (forced when it still protected content); kept for the record. */
    DELETED
  }

  public CustomerKey withStatus(Status s, Instant now) {
    return new CustomerKey(id, accountId, ref, s, createdAt, now);
  }
}
