package dev.cmk.service.reprotect;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.availability.TransitionListener;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyService;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovery (DESIGN.md flow 5): once the customer key is back, the content written under the backup
 * key during the outage moves under it, as deep as the account's recovery mode says.
 */
final class RecoveryPlanner {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

  private final JobStore store;
  private final JobStarts starts;
  private final AccountService accounts;
  private final KeyService keys;
  private final AvailabilityService availability;
  private final AuditLog audit;
  private final Clock clock;

  RecoveryPlanner(
      JobStore store,
      JobStarts starts,
      AccountService accounts,
      KeyService keys,
      AvailabilityService availability,
      AuditLog audit,
      Clock clock) {
    this.store = store;
    this.starts = starts;
    this.accounts = accounts;
    this.keys = keys;
    this.availability = availability;
    this.audit = audit;
    this.clock = clock;
  }

  Job.Mode recoveryMode(String accountId) {
    accounts.require(accountId);
    return store.recoveryMode(accountId);
  }

  Job.Mode setRecoveryMode(Caller caller, String accountId, String mode) {
    accounts.require(accountId);
    Job.Mode m;
    try {
      m = Job.Mode.valueOf(mode == null ? "" : mode);
    } catch (IllegalArgumentException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST, "mode must be one of KEK_REWRAP, DEK_REWRAP, REENCRYPT");
    }
    return audit.inTransaction(
        () -> {
          store.setRecoveryMode(accountId, m, clock.instant());
          audit.record(
              AuditEvent.of(accountId, caller, Actions.RECOVERY_MODE)
                  .withDetail("mode", m.name().toLowerCase(Locale.ROOT)));
          return m;
        });
  }

  Optional<Job> startRecovery(String accountId) {
    Optional<CustomerKey> active = keys.activeKey(accountId);
    if (active.isEmpty() || store.running(accountId).isPresent()) {
      return Optional.empty();
    }
    Job.Mode mode = store.recoveryMode(accountId);
    JobStore.Items items =
        mode.perObject() ? JobStore.Items.FALLBACK_OBJECTS : JobStore.Items.FALLBACK_KEKS;
    KeyRef target = JobStarts.primary(active.get());
    if (store.count(accountId, items, target) == 0) {
      return Optional.empty();
    }
    String customerKeyId = active.get().id();
    Optional<Job> job =
        store.create(
            starts.newJob(accountId, Job.Kind.RECOVERY, mode, target),
            items,
            j -> starts.started(j, customerKeyId));
    job.ifPresent(
        j -> LOG.info("account {}: recovery job {} ({}) started", accountId, j.id(), mode));
    return job;
  }

  TransitionListener recoverWhenBack() {
    return (from, to) -> {
      if (to.state() != KeyState.UNAVAILABLE
          && (from == null || from.state() == KeyState.UNAVAILABLE)) {
        startRecovery(to.accountId());
      }
    };
  }

  void startPendingRecoveries() {
    for (String accountId : store.accountsWithFallbackKeks()) {
      boolean usable =
          availability.status(accountId).map(s -> s.state() != KeyState.UNAVAILABLE).orElse(false);
      if (usable) {
        try {
          startRecovery(accountId);
        } catch (RuntimeException e) {
          LOG.warn("cannot start recovery of account {}", accountId, e);
        }
      }
    }
  }
}
