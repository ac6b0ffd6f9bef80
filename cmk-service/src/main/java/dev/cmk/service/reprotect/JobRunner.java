package dev.cmk.service.reprotect;

import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.Ids;
import dev.cmk.service.Texts;
import dev.cmk.service.availability.RevocationService;
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
import dev.cmk.service.reprotect.JobService.Config;
import dev.cmk.service.reprotect.JobStore.Completion;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every kind of job the planners created: claims a batch of items under a lease, moves each (a
 * KEK re-wrap or an object's DEK re-wrap or re-encryption) and commits the batch with its effects;
 * ends the job when no item is left.
 */
final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobService.class);

  /** The services an item's move uses. */
  record Movers(
      KeyService keys,
      CustomerKeyStore keyStore,
      KekService keks,
      ContentService content,
      ObjectStore objects,
      Catalog catalog,
      KeyProviders providers,
      RevocationService revocation) {}

  private final JobStore store;
  private final JobStarts starts;
  private final Movers m;
  private final Config config;
  private final Clock clock;
  private final SecureRandom random;
  private final String nodeId;

  JobRunner(
      JobStore store,
      JobStarts starts,
      Movers movers,
      Config config,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.starts = starts;
    this.m = movers;
    this.config = config;
    this.clock = clock;
    this.random = random;
    this.nodeId = Ids.newId("node", random);
  }

  int runOnce() {
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

  int runUntilIdle(int maxBatches) {
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
      if (store.finish(job, now, (ended, p) -> starts.finished(ended, p, customerKeyId))) {
        LOG.info("account {}: job {} ({}) finished", job.accountId(), job.id(), job.kind());
        m.revocation().purgeEverywhere(job.accountId());
        // the old key's search grants go once it wraps none of the account's KEKs
        m.keys().settleSearchGrants(job.accountId(), "job");
      }
      return 0;
    }
    List<Completion> done = new ArrayList<>();
    try (Batch batch = new Batch(ids)) {
      return runItems(job, token, ids, done, batch);
    }
  }

  /** The registration whose key the job moves items under, if it is still the active one. */
  private String targetKeyId(Job job) {
    return m.keyStore()
        .findActive(job.accountId())
        .filter(k -> JobStarts.sameKey(JobStarts.primary(k), job.target()))
        .map(CustomerKey::id)
        .orElse("");
  }

  /**
   * What one batch reuses across its items: asset types, target and source KEKs, and the rows of
   * its objects (read with one query).
   */
  private static final class Batch implements AutoCloseable {
    final List<String> ids;
    final Map<String, AssetType> types = new HashMap<>();
    final Map<String, KekLease> targets = new HashMap<>();
    final Map<String, KekLease> sources = new HashMap<>();
    private @Nullable Map<String, StoredObject> rows;

    Batch(List<String> ids) {
      this.ids = ids;
    }

    Map<String, StoredObject> rows(ObjectStore objects, String accountId) {
      Map<String, StoredObject> found = rows;
      if (found == null) {
        found = objects.findAll(accountId, ids);
        rows = found;
      }
      return found;
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
      return new JobStore.Failed(itemId, Texts.messageOf(e));
    }
  }

  private Completion rewrapKek(Job job, String kekId) {
    KekService keks = m.keks();
    Optional<Kek> found = keks.find(kekId);
    if (found.isEmpty() || JobStarts.sameKey(found.get().root(), job.target())) {
      return new JobStore.Noop(kekId);
    }
    Kek kek = found.get();
    EncryptionContext ctx = keks.contextOf(kek);
    KeyProvider to = m.providers().require(job.target().provider());
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
    StoredObject row = batch.rows(m.objects(), job.accountId()).get(objectId);
    if (row == null) {
      return new JobStore.Noop(objectId);
    }
    if (job.kind() == Job.Kind.BACKFILL && row.protection() != Protection.PLATFORM) {
      // only platform-key objects are a backfill's to move, whatever happened since it started
      return new JobStore.Noop(objectId);
    }
    String serviceId =
        batch.types.computeIfAbsent(row.assetType(), m.catalog()::require).serviceId();
    KekLease target = batch.targets.get(serviceId);
    if (target == null) {
      target = m.keks().forWrite(job.accountId(), serviceId, Protection.CMK, job.target());
      batch.targets.put(serviceId, target);
    }
    if (row.kekId().equals(target.kek().id())) {
      return new JobStore.Noop(objectId);
    }
    if (job.mode() == Job.Mode.DEK_REWRAP && row.holdsWrappedDek()) {
      // the row holds the wrapped DEK: re-wrapping it is a row update, no blob is touched
      KekLease source = batch.sources.get(row.kekId());
      if (source == null) {
        source = m.keks().forRead(row.kekId());
        batch.sources.put(row.kekId(), source);
      }
      byte[] wrapped = m.content().rewrapDek(row, source, target);
      return new JobStore.ObjectMoved(
          objectId, row.accountId(), row.kekId(), target.kek().id(), wrapped);
    }
    // re-encryption, or an object written before rows held wrapped DEKs: one blob rewrite
    ContentService.Reprotected moved =
        m.content().reprotect(row, target, job.mode() == Job.Mode.REENCRYPT);
    return new JobStore.ObjectMoved(
        objectId, row.accountId(), row.kekId(), moved.kekId(), moved.wrappedDek());
  }
}
