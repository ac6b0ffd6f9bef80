package dev.cmk.service.key;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The refusals of a registration before any provider call: a key of another account, and a second
 * key that would silently replace the active one. Each refusal is audited.
 */
final class RegistrationGuards {
  private final CustomerKeyStore store;
  private final AuditLog audit;

  RegistrationGuards(CustomerKeyStore store, AuditLog audit) {
    this.store = store;
    this.audit = audit;
  }

  /**
   * Confused deputy: the platform principal is the same for every account, so a key registered
   * (active, or retired but maybe still wrapping KEKs) for another account must not be registered
   * here. The answer names no account and says nothing about the other registration.
   */
  void refuseKeyOfAnotherAccount(Caller caller, Account account, KeyRef ref) {
    List<String> ids = new java.util.ArrayList<>(ref.replicaKeyIds());
    ids.add(0, ref.keyId());
    for (String id : ids) {
      if (!store.registeredElsewhere(ref.provider(), id, account.id()).isEmpty()) {
        audit.record(
            AuditEvent.of(account.id(), caller, Actions.KEY_REGISTER)
                .withKey(ref)
                .withResult(ErrorCode.KEY_REGISTERED_ELSEWHERE.code()));
        throw new CmkException(
            ErrorCode.KEY_REGISTERED_ELSEWHERE,
            "key "
                + id
                + " cannot be registered for this account: a customer key protects one CMK"
                + " account only. Create a key for this account and register that one");
      }
    }
  }

  /** A second key never silently replaces the active one: that is a rotation. */
  void refuseSilentReplacement(Caller caller, Account account, KeyRef ref) {
    Optional<CustomerKey> active = store.findActive(account.id());
    if (active.isEmpty() || active.get().ref().equals(ref)) {
      return;
    }
    audit.record(
        AuditEvent.of(account.id(), caller, Actions.KEY_REGISTER)
            .withKey(ref)
            .withResult(ErrorCode.ROTATION_REQUIRED.code()));
    String a = "/v1/accounts/" + account.id();
    throw new CmkException(
        ErrorCode.ROTATION_REQUIRED,
        "account "
            + account.id()
            + " already has the active key "
            + active.get().id()
            + " ("
            + active.get().ref().keyId()
            + "). Registering another key would retire it with content still under it: rotate"
            + " instead with POST "
            + a
            + "/rotate {\"provider\", \"keyId\", \"replicaKeyIds\"} (validates the new key and"
            + " re-wraps every KEK under it), and see what still depends on the"
            + " current key with GET "
            + a
            + "/keys/"
            + active.get().id()
            + "/dependents",
        Map.of("activeKeyId", active.get().id(), "rotateRoute", "POST " + a + "/rotate"));
  }
}
