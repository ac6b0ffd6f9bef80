package dev.cmk.service.reprotect;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.availability.TransitionListener;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.ObjectStore;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.key.CustomerKeyStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Re-protection jobs (DESIGN.md flows 5 and 6): recovery after an outage, manual rotation, backfill
 * of content written under the platform key before enrolment, and the deeper per-object modes. Jobs
 * live in the database; any node runs them in batches of leased items and commits each batch
 * together with its effects, so a job killed at any point resumes on any node without losing or
 * repeating work. A KMS call made for an item whose batch was never committed is repeated after the
 * restart; its result is applied once.
 *
 * <p>The entry point over three planners that decide what a job moves ({@link RecoveryPlanner},
 * {@link RotationPlanner}, {@link BackfillPlanner}) and the one {@link JobRunner} that moves it.
 */
public final class JobService {
  /**
   * @param batchSize items claimed and committed together
   * @param lease how long a claimed batch is held before another node may take it over
   * @param retryDelay how long items wait after the key could not be used
   */
  public record Config(int batchSize, Duration lease, Duration retryDelay) {
    public static Config defaults() {
      return new Config(100, Duration.ofMinutes(2), Duration.ofSeconds(30));
    }
  }

  /** A job and where it stands. */
  public record JobReport(Job job, Job.Progress progress) {}

  /**
   * POST rotate: either the id of a key registration of the account, or a provider and key id to
   * register (and validate) first.
   */
  public record RotateRequest(
      Optional<String> customerKeyId,
      Optional<String> provider,
      Optional<String> keyId,
      List<String> replicaKeyIds) {}

  /**
   * POST backfill: how deep ({@code DEK_REWRAP} when empty, or {@code REENCRYPT}) and optional
   * filters, one user and/or one asset type.
   */
  public record BackfillRequest(
      Optional<String> mode, Optional<String> userId, Optional<String> assetType) {
    public static BackfillRequest everything() {
      return new BackfillRequest(Optional.empty(), Optional.empty(), Optional.empty());
    }
  }

  private final JobStore store;
  private final AccountService accounts;
  private final Clock clock;
  private final RecoveryPlanner recovery;
  private final RotationPlanner rotation;
  private final BackfillPlanner backfill;
  private final JobRunner runner;

  public JobService(
      JobStore store,
      AccountService accounts,
      KeyService keys,
      CustomerKeyStore keyStore,
      KekService keks,
      ContentService content,
      ObjectStore objects,
      Catalog catalog,
      KeyProviders providers,
      AvailabilityService availability,
      RevocationService revocation,
      Config config,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.accounts = accounts;
    this.clock = clock;
    JobStarts starts = new JobStarts(store, availability, audit, clock, random);
    this.recovery = new RecoveryPlanner(store, starts, accounts, keys, availability, audit, clock);
    this.rotation = new RotationPlanner(store, starts, accounts, keys, keyStore, providers, audit);
    this.backfill = new BackfillPlanner(store, starts, accounts, keys, catalog, audit);
    this.runner =
        new JobRunner(
            store,
            starts,
            new JobRunner.Movers(
                keys, keyStore, keks, content, objects, catalog, providers, revocation),
            config,
            clock,
            random);
  }

  // ---- queries ------------------------------------------------------------------------------

  public List<JobReport> list(String accountId) {
    accounts.require(accountId);
    return store.list(accountId, 100).stream().map(this::report).toList();
  }

  public JobReport get(String accountId, String jobId) {
    accounts.require(accountId);
    Ids.require("job id", jobId);
    return store
        .find(jobId)
        .filter(j -> j.accountId().equals(accountId))
        .map(this::report)
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.JOB_NOT_FOUND,
                    "no job '" + jobId + "' in account " + accountId,
                    Map.of("jobId", jobId)));
  }

  private JobReport report(Job j) {
    return new JobReport(j, store.progress(j, clock.instant()));
  }

  // ---- recovery -----------------------------------------------------------------------------

  public Job.Mode recoveryMode(String accountId) {
    return recovery.recoveryMode(accountId);
  }

  /** The account option: how deep recovery goes (KEK re-wrap by default). */
  public Job.Mode setRecoveryMode(String accountId, String mode) {
    return setRecoveryMode(Caller.system("jobs"), accountId, mode);
  }

  /** {@link #setRecoveryMode(String, String)} for {@code caller}; audited with the change. */
  public Job.Mode setRecoveryMode(Caller caller, String accountId, String mode) {
    return recovery.setRecoveryMode(caller, accountId, mode);
  }

  /**
   * Starts recovery of the account if it has content under the backup key, its customer key is
   * active and no other job runs. Idempotent: returns empty when there is nothing to start.
   */
  public Optional<Job> startRecovery(String accountId) {
    return recovery.startRecovery(accountId);
  }

  /** The reaction to a key that is back: start recovery. */
  public TransitionListener recoverWhenBack() {
    return recovery.recoverWhenBack();
  }

  /**
   * The periodic safety net behind {@link #recoverWhenBack()}: every account with backup-key
   * content whose key is usable again gets a recovery, even if the transition was missed (a node
   * died right after recording it).
   */
  public void startPendingRecoveries() {
    recovery.startPendingRecoveries();
  }

  // ---- rotation -----------------------------------------------------------------------------

  /**
   * Manual rotation: every KEK of the account is re-wrapped under the new key. The new key protects
   * new content at once; the old key keeps serving the KEKs not yet moved until the job ends.
   */
  public Job rotate(String accountId, RotateRequest req) {
    return rotate(Caller.system("jobs"), accountId, req);
  }

  /** {@link #rotate(String, RotateRequest)} for {@code caller}; audited with the job's creation. */
  public Job rotate(Caller caller, String accountId, RotateRequest req) {
    return rotation.rotate(caller, accountId, req);
  }

  // ---- backfill -----------------------------------------------------------------------------

  /**
   * Backfill (DESIGN.md, catalog and licensing rules): moves the account's objects that are under
   * the platform key but would be customer-key protected if written now (owner licensed, asset type
   * CMK-eligible, the account's key active) under the active customer key, object by object. The
   * objects are chosen when the job starts. Audited as {@code job.backfill} by {@code caller} in
   * the transaction that creates the job; a refused start leaves that row with the refusal and
   * nothing else.
   *
   * <p><b>Security:</b> a KEK re-wrap is refused: a platform KEK also protects content of
   * unlicensed users and ineligible assets, which must stay readable without the customer's key.
   *
   * @throws CmkException {@code invalid_request} (mode KEK_REWRAP or unknown, asset type not
   *     CMK-eligible), {@code invalid_id}, {@code user_not_found}, {@code asset_type_not_found},
   *     {@code no_active_key}, {@code job_in_progress}, {@code nothing_to_backfill}
   */
  public Job startBackfill(Caller caller, String accountId, BackfillRequest req) {
    return backfill.startBackfill(caller, accountId, req);
  }

  // ---- running ------------------------------------------------------------------------------

  /** Works one batch of every running job; returns the number of items settled. */
  public int runOnce() {
    return runner.runOnce();
  }

  /** Runs batches until no job has claimable work (bounded by {@code maxBatches}). */
  public int runUntilIdle(int maxBatches) {
    return runner.runUntilIdle(maxBatches);
  }
}
