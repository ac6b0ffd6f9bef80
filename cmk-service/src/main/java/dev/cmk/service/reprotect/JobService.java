package dev.cmk.service.reprotect;

import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.availability.AvailabilityService;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyState;
import dev.cmk.service.availability.RevocationService;
import dev.cmk.service.availability.TransitionListener;
import dev.cmk.service.blob.BlobStoreException;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import dev.cmk.service.content.ContentService;
import dev.cmk.service.content.ObjectStore;
import dev.cmk.service.content.StoredObject;
import dev.cmk.service.kek.Kek;
import dev.cmk.service.kek.KekService;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.CustomerKeyStore;
import dev.cmk.service.key.KeyProviders;
import dev.cmk.service.key.KeyService;
import dev.cmk.service.key.ValidationReport;
import dev.cmk.service.reprotect.JobStore.Completion;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-protection jobs (DESIGN.md flows 5 and 6): recovery after an outage, manual rotation, backfill
 * of content written under the platform key before enrolment, and the deeper per-object modes. Jobs
 * live in the database; any node runs them in batches of leased items and commits each batch
 * together with its effects, so a job killed at any point resumes on any node without losing or
 * repeating work. A KMS call made for an item whose batch was never committed is repeated after the
 * restart; its result is applied once.
 */
public final class JobService {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

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
  private final KeyService keys;
  private final CustomerKeyStore keyStore;
  private final KekService keks;
  private final ContentService content;
  private final ObjectStore objects;
  private final Catalog catalog;
  private final KeyProviders providers;
  private final AvailabilityService availability;
  private final RevocationService revocation;
  private final Config config;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;
  private final String nodeId;

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
    this.keys = keys;
    this.keyStore = keyStore;
    this.keks = keks;
    this.content = content;
    this.objects = objects;
    this.catalog = catalog;
    this.providers = providers;
    this.availability = availability;
    this.revocation = revocation;
    this.config = config;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
    this.nodeId = Ids.newId("node", random);
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

  public Job.Mode recoveryMode(String accountId) {
    accounts.require(accountId);
    return store.recoveryMode(accountId);
  }

  /** The account option: how deep recovery goes (KEK re-wrap by default). */
  public Job.Mode setRecoveryMode(String accountId, String mode) {
    return setRecoveryMode(Caller.system("jobs"), accountId, mode);
  }

  /** {@link #setRecoveryMode(String, String)} for {@code caller}; audited with the change. */
  public Job.Mode setRecoveryMode(Caller caller, String accountId, String mode) {
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

  // ---- starting -----------------------------------------------------------------------------

  /**
   * Starts recovery of the account if it has content under the backup key, its customer key is
   * active and no other job runs. Idempotent: returns empty when there is nothing to start.
   */
  public Optional<Job> startRecovery(String accountId) {
    Optional<CustomerKey> active = keys.activeKey(accountId);
    if (active.isEmpty() || store.running(accountId).isPresent()) {
      return Optional.empty();
    }
    Job.Mode mode = store.recoveryMode(accountId);
    JobStore.Items items =
        mode.perObject() ? JobStore.Items.FALLBACK_OBJECTS : JobStore.Items.FALLBACK_KEKS;
    KeyRef target = primary(active.get());
    if (store.count(accountId, items, target) == 0) {
      return Optional.empty();
    }
    String customerKeyId = active.get().id();
    Optional<Job> job =
        store.create(
            newJob(accountId, Job.Kind.RECOVERY, mode, target),
            items,
            j -> started(j, customerKeyId));
    job.ifPresent(
        j -> LOG.info("account {}: recovery job {} ({}) started", accountId, j.id(), mode));
    return job;
  }

  /** The reaction to a key that is back: start recovery. */
  public TransitionListener recoverWhenBack() {
    return (from, to) -> {
      if (to.state() != KeyState.UNAVAILABLE
          && (from == null || from.state() == KeyState.UNAVAILABLE)) {
        startRecovery(to.accountId());
      }
    };
  }

  /**
   * The periodic safety net behind {@link #recoverWhenBack()}: every account with backup-key
   * content whose key is usable again gets a recovery, even if the transition was missed (a node
   * died right after recording it).
   */
  public void startPendingRecoveries() {
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

  /**
   * Manual rotation: every KEK of the account is re-wrapped under the new key. The new key protects
   * new content at once; the old key keeps serving the KEKs not yet moved until the job ends.
   */
  public Job rotate(String accountId, RotateRequest req) {
    return rotate(Caller.system("jobs"), accountId, req);
  }

  /** {@link #rotate(String, RotateRequest)} for {@code caller}; audited with the job's creation. */
  public Job rotate(Caller caller, String accountId, RotateRequest req) {
    Account account = accounts.require(accountId);
    refuseWhileRunning(accountId, Job.Kind.ROTATION, "Rotate");
    // the key switch and the job's creation commit together: a job that cannot start (another
    // node started one first) leaves the account's active key as it was
    Job[] job = new Job[1];
    resolveTarget(caller, account, req, target -> job[0] = createRotation(caller, target));
    return job[0];
  }

  /**
   * Refuses to start a job of {@code kind} while another job of the account runs: {@code
   * rotation_in_progress} when both are rotations, {@code job_in_progress} otherwise.
   */
  private void refuseWhileRunning(String accountId, Job.Kind kind, String verb) {
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
    accounts.require(accountId);
    AuditEvent event = AuditEvent.of(accountId, caller, Actions.JOB_BACKFILL);
    try {
      Job.Mode mode = Backfills.mode(req.mode());
      event = event.withDetail("mode", mode.name().toLowerCase(Locale.ROOT));
      Job.Scope scope = Backfills.scope(accounts, catalog, accountId, req);
      event = Backfills.withScope(event, scope);
      CustomerKey active =
          keys.activeKey(accountId)
              .orElseThrow(
                  () ->
                      new CmkException(
                          ErrorCode.NO_ACTIVE_KEY,
                          "account "
                              + accountId
                              + " has no active customer key: register and validate one first;"
                              + " nothing was started"));
      event = event.withKey(primary(active));
      refuseWhileRunning(accountId, Job.Kind.BACKFILL, "Start the backfill");
      AuditEvent starting = event;
      Job job =
          store
              .create(
                  newJob(accountId, Job.Kind.BACKFILL, mode, primary(active), scope),
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
                    return started(created, active.id());
                  })
              .orElseThrow(() -> anotherJobStarted(accountId, "start the backfill"));
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

  /** Another node created a job of the account between our check and our insert. */
  private static CmkException anotherJobStarted(String accountId, String verb) {
    return new CmkException(
        ErrorCode.JOB_IN_PROGRESS,
        "another job started for account "
            + accountId
            + "; nothing was changed, "
            + verb
            + " again later");
  }

  /** Creates the rotation job towards {@code target}, inside the caller's transaction. */
  private Job createRotation(Caller caller, CustomerKey target) {
    String accountId = target.accountId();
    Job j =
        store
            .create(
                newJob(accountId, Job.Kind.ROTATION, Job.Mode.KEK_REWRAP, primary(target)),
                JobStore.Items.KEKS_NOT_UNDER_TARGET,
                created -> started(created, target.id()))
            .orElseThrow(() -> anotherJobStarted(accountId, "rotate"));
    audit.record(
        AuditEvent.of(accountId, caller, Actions.KEY_ROTATE)
            .withKey(target.ref())
            .withTarget("", target.id())
            .withDetail("jobId", j.id()));
    return j;
  }

  // ---- key events ---------------------------------------------------------------------------

  /**
   * The account's key-events show each job next to the transitions that caused it. The store
   * appends the event in the transaction that creates or ends the job, so a node dying in between
   * cannot leave a job without its event, or an event without its job.
   */
  private KeyEvent started(Job job, String customerKeyId) {
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

  private KeyEvent finished(Job ended, Job.Progress p, String customerKeyId) {
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

  /** The registration whose key the job moves items under, if it is still the active one. */
  private String targetKeyId(Job job) {
    return keyStore
        .findActive(job.accountId())
        .filter(k -> sameKey(primary(k), job.target()))
        .map(CustomerKey::id)
        .orElse("");
  }

  /**
   * Finds, or registers and validates, the rotation's target key and makes it the active key, with
   * {@code alongside} (the job's creation) in the same transaction as the switch.
   */
  private CustomerKey resolveTarget(
      Caller caller, Account account, RotateRequest req, Consumer<CustomerKey> alongside) {
    if (req.customerKeyId().isPresent()) {
      String id = req.customerKeyId().get();
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
      CustomerKey active = k;
      return audit.inTransaction(
          () -> {
            alongside.accept(active);
            return active;
          });
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

  private Job newJob(String accountId, Job.Kind kind, Job.Mode mode, KeyRef target) {
    return newJob(accountId, kind, mode, target, Job.Scope.ALL);
  }

  private Job newJob(
      String accountId, Job.Kind kind, Job.Mode mode, KeyRef target, Job.Scope scope) {
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

  private static KeyRef primary(CustomerKey k) {
    return KeyRef.of(k.ref().provider(), k.ref().keyId());
  }

  // ---- running ------------------------------------------------------------------------------

  /** Works one batch of every running job; returns the number of items settled. */
  public int runOnce() {
    int handled = 0;
    List<Job> running;
    try {
      running = store.running();
    } catch (RuntimeException e) {
      LOG.warn("cannot list running jobs; trying again on the next round", e);
      return 0;
    }
    for (Job job : running) {
      try {
        handled += runBatch(job);
      } catch (RuntimeException e) {
        LOG.warn("job {} batch failed; it resumes on the next round", job.id(), e);
      }
    }
    return handled;
  }

  /** Runs batches until no job has claimable work (bounded by {@code maxBatches}). */
  public int runUntilIdle(int maxBatches) {
    int total = 0;
    for (int i = 0; i < maxBatches; i++) {
      int n = runOnce();
      total += n;
      if (n == 0) {
        break;
      }
    }
    return total;
  }

  private int runBatch(Job job) {
    Instant now = clock.instant();
    String token = nodeId + "/" + Ids.newId("lease", random);
    List<String> ids =
        store.claim(job.id(), token, config.batchSize(), now, now.plus(config.lease()));
    if (ids.isEmpty()) {
      String customerKeyId = targetKeyId(job);
      if (store.finish(job, now, (ended, p) -> finished(ended, p, customerKeyId))) {
        LOG.info("account {}: job {} ({}) finished", job.accountId(), job.id(), job.kind());
        revocation.purgeEverywhere(job.accountId());
        // the old key's search grants go once it wraps none of the account's KEKs
        keys.settleSearchGrants(job.accountId(), "job");
      }
      return 0;
    }
    List<Completion> done = new ArrayList<>();
    try (Batch batch = new Batch(ids)) {
      return runItems(job, token, ids, done, batch);
    }
  }

  /**
   * What one batch reuses across its items: asset types, target and source KEKs, and the rows of
   * its objects (read with one query).
   */
  private static final class Batch implements AutoCloseable {
    final List<String> ids;
    final Map<String, AssetType> types = new java.util.HashMap<>();
    final Map<String, KekLease> targets = new java.util.HashMap<>();
    final Map<String, KekLease> sources = new java.util.HashMap<>();
    private Map<String, StoredObject> rows;

    Batch(List<String> ids) {
      this.ids = ids;
    }

    Map<String, StoredObject> rows(ObjectStore objects, String accountId) {
      if (rows == null) {
        rows = objects.findAll(accountId, ids);
      }
      return rows;
    }

    @Override
    public void close() {
      targets.values().forEach(KekLease::close);
      sources.values().forEach(KekLease::close);
    }
  }

  private int runItems(
      Job job, String token, List<String> ids, List<Completion> done, Batch batch) {
    for (int i = 0; i < ids.size(); i++) {
      try {
        done.add(process(job, ids.get(i), batch));
      } catch (ProviderException e) {
        String why = "key " + e.reason().name().toLowerCase(Locale.ROOT) + ": " + e.getMessage();
        return pause(job, token, done, ids.subList(i, ids.size()), why);
      } catch (BlobStoreException e) {
        // the blob store is down or refuses us: the items wait, they did not fail. The job view
        // shows the API's wording; the store's details (bucket, S3 code) go to the log only.
        LOG.warn("job {}: blob store failed; retrying later: {}", job.id(), e.toString());
        String why = e.toServiceError().getMessage();
        return pause(job, token, done, ids.subList(i, ids.size()), why);
      }
    }
    store.complete(job.id(), token, done, clock.instant());
    return done.size();
  }

  /** Settles what is done and hands the rest back, claimable again after the retry delay. */
  private int pause(Job job, String token, List<Completion> done, List<String> rest, String why) {
    store.complete(job.id(), token, done, clock.instant());
    store.release(job.id(), token, rest, clock.instant().plus(config.retryDelay()), why);
    return done.size();
  }

  private Completion process(Job job, String itemId, Batch batch) {
    try {
      return job.mode().perObject() ? moveObject(job, itemId, batch) : rewrapKek(job, itemId);
    } catch (BadCiphertextException e) {
      return new JobStore.Failed(itemId, "does not authenticate: " + e.getMessage());
    } catch (ProviderException e) {
      throw e;
    } catch (CmkException
        | DecryptionFailedException
        | IllegalArgumentException
        | IllegalStateException e) {
      return new JobStore.Failed(itemId, e.getMessage());
    }
  }

  private Completion rewrapKek(Job job, String kekId) {
    Optional<Kek> found = keks.find(kekId);
    if (found.isEmpty() || sameKey(found.get().root(), job.target())) {
      return new JobStore.Noop(kekId);
    }
    Kek kek = found.get();
    EncryptionContext ctx = keks.contextOf(kek);
    KeyProvider to = providers.require(job.target().provider());
    byte[] wrapped;
    if (kek.root().provider().equals(job.target().provider())) {
      wrapped = to.rewrap(kek.root(), kek.wrapped(), ctx, job.target());
    } else {
      try (KekLease plain = keks.forRead(kek.id())) {
        wrapped = to.wrap(job.target(), plain.key(), ctx);
      }
    }
    return new JobStore.KekRewrapped(kekId, kek.root(), job.target(), wrapped);
  }

  private Completion moveObject(Job job, String objectId, Batch batch) {
    StoredObject row = batch.rows(objects, job.accountId()).get(objectId);
    if (row == null) {
      return new JobStore.Noop(objectId);
    }
    if (job.kind() == Job.Kind.BACKFILL && row.protection() != Protection.PLATFORM) {
      // only platform-key objects are a backfill's to move, whatever happened since it started
      return new JobStore.Noop(objectId);
    }
    String serviceId = batch.types.computeIfAbsent(row.assetType(), catalog::require).serviceId();
    KekLease target = batch.targets.get(serviceId);
    if (target == null) {
      target = keks.forWrite(job.accountId(), serviceId, Protection.CMK, job.target());
      batch.targets.put(serviceId, target);
    }
    if (row.kekId().equals(target.kek().id())) {
      return new JobStore.Noop(objectId);
    }
    if (job.mode() == Job.Mode.DEK_REWRAP && row.holdsWrappedDek()) {
      // the row holds the wrapped DEK: re-wrapping it is a row update, no blob is touched
      KekLease source = batch.sources.get(row.kekId());
      if (source == null) {
        source = keks.forRead(row.kekId());
        batch.sources.put(row.kekId(), source);
      }
      byte[] wrapped = content.rewrapDek(row, source, target);
      return new JobStore.ObjectMoved(
          objectId, row.accountId(), row.kekId(), target.kek().id(), wrapped);
    }
    // re-encryption, or an object written before rows held wrapped DEKs: one blob rewrite
    ContentService.Reprotected moved =
        content.reprotect(row, target, job.mode() == Job.Mode.REENCRYPT);
    return new JobStore.ObjectMoved(
        objectId, row.accountId(), row.kekId(), moved.kekId(), moved.wrappedDek());
  }

  private static boolean sameKey(KeyRef a, KeyRef b) {
    return a.provider().equals(b.provider()) && a.keyId().equals(b.keyId());
  }
}
