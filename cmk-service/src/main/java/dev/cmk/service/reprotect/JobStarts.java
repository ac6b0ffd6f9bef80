package dev.cmk.service.reprotect;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.key.CustomerKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the planners share when they create a job and what the runner shares when it ends one: the
 * new job's row, the refusal while another job runs, and the audit row plus key event that commit
 * with the job's creation or end.
 */
final class JobStarts {
  private final JobStore store;
  private final AvailabilityService availability;
  private final AuditLog audit;
  private final Clock clock;
  private final SecureRandom random;

  JobStarts(
      JobStore store,
      AvailabilityService availability,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.availability = availability;
    this.audit = audit;
    this.clock = clock;
    this.random = random;
  }

  /**
   * Refuses to start a job of {@code kind} while another job of the account runs: {@code
   * rotation_in_progress} when both are rotations, {@code job_in_progress} otherwise.
   */
  void refuseWhileRunning(String accountId, Job.Kind kind, String verb) {
    store
        .running(accountId)
        .ifPresent(
            j -> {
              throw new CmkException(
                  j.kind() == Job.Kind.ROTATION && kind == Job.Kind.ROTATION
                      ? ErrorCode.ROTATION_IN_PROGRESS
                      : ErrorCode.JOB_IN_PROGRESS,
                  "job "
                      + j.id()
                      + " ("
                      + j.kind()
                      + ") is running for account "
                      + accountId
                      + "; nothing was changed. "
                      + verb
                      + " again when it has finished",
                  Map.of("jobId", j.id(), "kind", j.kind().name()));
            });
  }

  /** Another node created a job of the account between our check and our insert. */
  static CmkException anotherJobStarted(String accountId, String verb) {
    return new CmkException(
        ErrorCode.JOB_IN_PROGRESS,
        "another job started for account "
            + accountId
            + "; nothing was changed, "
            + verb
            + " again later");
  }

  /**
   * The account's key-events show each job next to the transitions that caused it. The store
   * appends the event in the transaction that creates or ends the job, so a node dying in between
   * cannot leave a job without its event, or an event without its job.
   */
  KeyEvent started(Job job, String customerKeyId) {
    // called inside the store's transaction that creates the job: the audit row joins it
    audit.record(
        AuditEvent.of(job.accountId(), Caller.system("job"), Actions.JOB_START)
            .withKey(job.target())
            .withTarget("", job.id())
            .withDetail("kind", job.kind().name().toLowerCase(Locale.ROOT))
            .withDetail("mode", job.mode().name().toLowerCase(Locale.ROOT))
            .withDetail("items", Long.toString(job.total())));
    return availability.newEvent(
        job.accountId(),
        customerKeyId,
        KeyEvent.JOB_STARTED,
        job.kind().name().toLowerCase(Locale.ROOT),
        "job",
        String.format(
            Locale.ROOT,
            "re-protection job %s started: %s, %s, %d item(s) to move under %s key %s",
            job.id(),
            job.kind(),
            job.mode(),
            job.total(),
            job.target().provider(),
            job.target().keyId()));
  }

  KeyEvent finished(Job ended, Job.Progress p, String customerKeyId) {
    // called inside the store's transaction that ends the job: the audit row joins it
    audit.record(
        AuditEvent.of(ended.accountId(), Caller.system("job"), Actions.JOB_FINISH)
            .withKey(ended.target())
            .withTarget("", ended.id())
            .withResult(ended.status().name().toLowerCase(Locale.ROOT))
            .withDetail("kind", ended.kind().name().toLowerCase(Locale.ROOT))
            .withDetail("done", Long.toString(p.done()))
            .withDetail("failed", Long.toString(p.failed())));
    return availability.newEvent(
        ended.accountId(),
        customerKeyId,
        KeyEvent.JOB_FINISHED,
        ended.status().name().toLowerCase(Locale.ROOT),
        "job",
        String.format(
            Locale.ROOT,
            "re-protection job %s finished: %s, %s, %s: %d done, %d failed%s",
            ended.id(),
            ended.kind(),
            ended.mode(),
            ended.status(),
            p.done(),
            p.failed(),
            p.failed() > 0 ? " (see the job's item errors)" : ""));
  }

  Job newJob(String accountId, Job.Kind kind, Job.Mode mode, KeyRef target) {
    return newJob(accountId, kind, mode, target, Job.Scope.ALL);
  }

  Job newJob(String accountId, Job.Kind kind, Job.Mode mode, KeyRef target, Job.Scope scope) {
    Instant now = clock.instant();
    return new Job(
        Ids.newId("job", random),
        accountId,
        kind,
        mode,
        target,
        Job.Status.RUNNING,
        0,
        "",
        now,
        now,
        Optional.empty(),
        scope);
  }

  static KeyRef primary(CustomerKey k) {
    return KeyRef.of(k.ref().provider(), k.ref().keyId());
  }

  static boolean sameKey(KeyRef a, KeyRef b) {
    return a.provider().equals(b.provider()) && a.keyId().equals(b.keyId());
  }
}
