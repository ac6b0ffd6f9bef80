package dev.cmk.service.reprotect;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.reprotect.JobService.BackfillRequest;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backfill (DESIGN.md, catalog and licensing rules): platform-key objects that would be
 * customer-key protected if written now move under the active customer key, object by object.
 */
final class BackfillPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

  private final JobStore store;
  private final JobStarts starts;
  private final AccountService accounts;
  private final KeyService keys;
  private final Catalog catalog;
  private final AuditLog audit;

  BackfillPlanner(
      JobStore store,
      JobStarts starts,
      AccountService accounts,
      KeyService keys,
      Catalog catalog,
      AuditLog audit) {
    this.store = store;
    this.starts = starts;
    this.accounts = accounts;
    this.keys = keys;
    this.catalog = catalog;
    this.audit = audit;
  }

  Job startBackfill(Caller caller, String accountId, BackfillRequest req) {
    accounts.require(accountId);
    AuditEvent event = AuditEvent.of(accountId, caller, Actions.JOB_BACKFILL);
    try {
      Job.Mode mode = Backfills.mode(req.mode());
      event = event.withDetail("mode", mode.name().toLowerCase(Locale.ROOT));
      Job.Scope scope = Backfills.scope(accounts, catalog, accountId, req);
      event = Backfills.withScope(event, scope);
      CustomerKey active = activeKey(accountId);
      event = event.withKey(JobStarts.primary(active));
      starts.refuseWhileRunning(accountId, Job.Kind.BACKFILL, "Start the backfill");
      Job job = create(accountId, mode, scope, active, event);
      LOG.info(
          "account {}: backfill job {} ({}, {} object(s)) started",
          accountId,
          job.id(),
          mode,
          job.total());
      return job;
    } catch (RuntimeException e) {
      audit.recordFailure(event, e);
      throw e;
    }
  }

  private CustomerKey activeKey(String accountId) {
    return keys.activeKey(accountId)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.NO_ACTIVE_KEY,
                    "account "
                        + accountId
                        + " has no active customer key: register and validate one first;"
                        + " nothing was started"));
  }

  /** Creates the job with its chosen objects, and its audit row in the same transaction. */
  private Job create(
      String accountId, Job.Mode mode, Job.Scope scope, CustomerKey active, AuditEvent starting) {
    return store
        .create(
            starts.newJob(accountId, Job.Kind.BACKFILL, mode, JobStarts.primary(active), scope),
            JobStore.Items.BACKFILL_OBJECTS,
            created -> {
              if (created.total() == 0) {
                throw Backfills.nothingToBackfill(
                    accountId,
                    scope,
                    scope.userId().map(u -> accounts.isLicensed(accountId, u)).orElse(true));
              }
              audit.record(
                  starting
                      .withTarget(scope.assetType().orElse(""), created.id())
                      .withDetail("jobId", created.id())
                      .withDetail("items", Long.toString(created.total())));
              return starts.started(created, active.id());
            })
        .orElseThrow(() -> JobStarts.anotherJobStarted(accountId, "start the backfill"));
  }
}
