package dev.cmk.service.reprotect;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.CustomerKeyStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.key.ValidationReport;
import dev.cmk.service.reprotect.JobService.RotateRequest;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Manual rotation (DESIGN.md flow 6): the account's active key switches to the target and every KEK
 * not yet under it is re-wrapped, the switch and the job's creation in one transaction.
 */
final class RotationPlanner {
  private final JobStore store;
  private final JobStarts starts;
  private final AccountService accounts;
  private final KeyService keys;
  private final CustomerKeyStore keyStore;
  private final KeyProviders providers;
  private final AuditLog audit;

  RotationPlanner(
      JobStore store,
      JobStarts starts,
      AccountService accounts,
      KeyService keys,
      CustomerKeyStore keyStore,
      KeyProviders providers,
      AuditLog audit) {
    this.store = store;
    this.starts = starts;
    this.accounts = accounts;
    this.keys = keys;
    this.keyStore = keyStore;
    this.providers = providers;
    this.audit = audit;
  }

  Job rotate(Caller caller, String accountId, RotateRequest req) {
    Account account = accounts.require(accountId);
    starts.refuseWhileRunning(accountId, Job.Kind.ROTATION, "Rotate");
    // the key switch and the job's creation commit together: a job that cannot start (another
    // node started one first) leaves the account's active key as it was
    Job[] job = new Job[1];
    resolveTarget(caller, account, req, target -> job[0] = createRotation(caller, target));
    return job[0];
  }

  /** Creates the rotation job towards {@code target}, inside the caller's transaction. */
  private Job createRotation(Caller caller, CustomerKey target) {
    String accountId = target.accountId();
    Job j =
        store
            .create(
                starts.newJob(
                    accountId, Job.Kind.ROTATION, Job.Mode.KEK_REWRAP, JobStarts.primary(target)),
                JobStore.Items.KEKS_NOT_UNDER_TARGET,
                created -> starts.started(created, target.id()))
            .orElseThrow(() -> JobStarts.anotherJobStarted(accountId, "rotate"));
    audit.record(
        AuditEvent.of(accountId, caller, Actions.KEY_ROTATE)
            .withKey(target.ref())
            .withTarget("", target.id())
            .withDetail("jobId", j.id()));
    return j;
  }

  /**
   * Finds, or registers and validates, the rotation's target key and makes it the active key, with
   * {@code alongside} (the job's creation) in the same transaction as the switch.
   */
  private CustomerKey resolveTarget(
      Caller caller, Account account, RotateRequest req, Consumer<CustomerKey> alongside) {
    if (req.customerKeyId().isPresent()) {
      return switchTo(account, req.customerKeyId().get(), alongside);
    }
    if (req.provider().isPresent() && req.keyId().isPresent()) {
      return keys.register(
              caller,
              account,
              req.provider().get(),
              req.keyId().get(),
              req.replicaKeyIds(),
              alongside)
          .key();
    }
    throw new CmkException(
        ErrorCode.INVALID_REQUEST,
        "give keyId of a registered key (customerKeyId) or provider and keyId of a new one");
  }

  /** A registration of the account: validated and activated unless it is the active one. */
  private CustomerKey switchTo(Account account, String id, Consumer<CustomerKey> alongside) {
    CustomerKey k =
        keyStore
            .find(Ids.require("key id", id))
            .filter(x -> x.accountId().equals(account.id()))
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.KEY_NOT_FOUND,
                        "no key registration '" + id + "' in account " + account.id()));
    if (k.status() != CustomerKey.Status.ACTIVE) {
      ValidationReport report =
          keys.validate(account, providers.require(k.ref().provider()), k.ref());
      if (!report.passed()) {
        throw new CmkException(
            ErrorCode.KEY_VALIDATION_FAILED,
            "key " + k.ref().keyId() + " failed validation; nothing was changed",
            Map.of("report", report));
      }
      return keys.activate(account, k, alongside);
    }
    return audit.inTransaction(
        () -> {
          alongside.accept(k);
          return k;
        });
  }
}
