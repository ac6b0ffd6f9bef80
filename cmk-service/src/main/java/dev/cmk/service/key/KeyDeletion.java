package dev.cmk.service.key;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What depends on a key registration, and its deletion (refused while something does). */
final class KeyDeletion {
  private final CustomerKeyStore store;
  private final AuditLog audit;
  private final Clock clock;
  private volatile Optional<KeyDependencyStore> dependencies = Optional.empty();

  KeyDeletion(CustomerKeyStore store, AuditLog audit, Clock clock) {
    this.store = store;
    this.audit = audit;
    this.clock = clock;
  }

  /** Sets where what depends on a registration is counted (set once by the composition root). */
  void setDependencies(KeyDependencyStore store) {
    this.dependencies = Optional.of(store);
  }

  /** What still depends on one of the account's key registrations. */
  KeyDependents dependents(CustomerKey key) {
    return KeyDependents.of(key, counts(key));
  }

  private KeyDependents.Counts counts(CustomerKey key) {
    return dependencies
        .orElseThrow(() -> new IllegalStateException("no key dependency store is set"))
        .count(key);
  }

  /**
   * Deletes a registration (status DELETED). Refused with {@code key_in_use} while it is the active
   * key, still wraps KEKs (content, search index, sessions) or holds search grants, unless {@code
   * force}. Forcing deletes the registration only: KEKs under the key stay wrapped by it, so its
   * content stays readable exactly as long as the key answers at the provider. Audited with the
   * counts at the time.
   */
  KeyDependents delete(Caller caller, Account account, CustomerKey key, boolean force) {
    KeyDependents before = KeyDependents.of(key, counts(key));
    AuditEvent event =
        AuditEvent.of(account.id(), caller, Actions.KEY_DELETE)
            .withKey(key.ref())
            .withTarget("", key.id())
            .withDetail("force", Boolean.toString(force))
            .withDetail("state", before.state())
            .withDetail("keks", Long.toString(before.keks()))
            .withDetail("objects", Long.toString(before.objects()))
            .withDetail("bytes", Long.toString(before.bytes()))
            .withDetail("searchGrants", Long.toString(before.searchGrants()))
            .withDetail("liveSessions", Long.toString(before.liveSessions()));
    if (key.status() == CustomerKey.Status.DELETED) {
      return before;
    }
    if (before.inUse() && !force) {
      audit.record(event.withResult(ErrorCode.KEY_IN_USE.code()));
      throw new CmkException(
          ErrorCode.KEY_IN_USE,
          "key "
              + key.id()
              + " ("
              + key.ref().keyId()
              + ") still "
              + inUseReason(before)
              + "; nothing was changed. Rotate to another key first (POST /v1/accounts/"
              + account.id()
              + "/rotate), or delete with ?force=true to remove the registration anyway",
          Map.of("dependents", before));
    }
    audit.inTransaction(
        () -> {
          store.update(key.withStatus(CustomerKey.Status.DELETED, clock.instant()));
          audit.record(event);
          return null;
        });
    return KeyDependents.of(
        key.withStatus(CustomerKey.Status.DELETED, clock.instant()), counts(key));
  }

  private static String inUseReason(KeyDependents d) {
    List<String> r = new java.util.ArrayList<>();
    if ("ACTIVE".equals(d.state())) {
      r.add("is the account's active key");
    }
    if (d.protectsContent()) {
      r.add(
          "protects content ("
              + d.keks()
              + " KEKs, "
              + d.objects()
              + " objects, "
              + d.bytes()
              + " bytes, "
              + d.liveSessions()
              + " live sessions)");
    }
    if (d.searchGrants() > 0) {
      r.add("holds " + d.searchGrants() + " search grants");
    }
    return String.join(" and ", r);
  }
}
