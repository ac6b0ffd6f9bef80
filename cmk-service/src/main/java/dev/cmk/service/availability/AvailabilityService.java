package dev.cmk.service.availability;

import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.Ids;
import dev.cmk.service.Texts;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.kek.KeyUseObserver;
import dev.cmk.service.kek.KeyUseObserver.Slice;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.key.KeyProviders;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the availability of every account's active customer key (DESIGN.md flow 4): probes it on a
 * schedule, observes it on real traffic, stores it, exports it as the gauge {@code cmk.key.state}
 * (0 available, 1 degraded, 2 unavailable) and records every transition as an event. Transitions
 * trigger behaviour through {@link TransitionListener}s.
 *
 * <p>Transitions are compare-and-set in the database, so when several nodes see the same change
 * exactly one records it and runs the listeners. On a schedule ({@link #probeRound}) each key is
 * probed by one node per interval, the holder of the account's probe lease, so a cluster of N nodes
 * does not call every customer's KMS N times per interval; the other nodes read the stored status.
 * The same lease decides which node settles the account's search grants ({@link #claimLease}). What
 * a probe finds reaches every node through the database: the stored status, and the revocation
 * epoch that a refused key bumps.
 */
public final class AvailabilityService implements KeyUseObserver, KeyServingListener {
  private static final Logger LOG = LoggerFactory.getLogger(AvailabilityService.class);
  public static final String METRIC = "cmk.key.state";

  private final AvailabilityStore store;
  private final KeyProviders providers;
  private final String platformName;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;
  private final MeterRegistry metrics;
  private final List<TransitionListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> gauges = new ConcurrentHashMap<>();
  private volatile Map<String, List<CustomerKey>> byRootKey = Map.of();
  private final String nodeId;

  public AvailabilityService(
      AvailabilityStore store,
      KeyProviders providers,
      String platformName,
      AuditLog audit,
      Clock clock,
      SecureRandom random,
      MeterRegistry metrics) {
    this.store = store;
    this.providers = providers;
    this.platformName = platformName;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
    this.metrics = metrics;
    this.nodeId = Ids.newId("node", random);
  }

  public void addListener(TransitionListener l) {
    listeners.add(l);
  }

  /** The stored status of the account's key, if it was ever probed or used. */
  public Optional<KeyStatus> status(String accountId) {
    return store.find(accountId);
  }

  public List<KeyEvent> events(String accountId, int limit) {
    return store.events(accountId, limit);
  }

  /**
   * Appends an event that is not a state transition, on its own. A change that has its own
   * transaction (a re-protection job starting or ending) passes {@link #newEvent} to its store
   * instead, so the change and its event are written together.
   */
  public void recordEvent(
      String accountId,
      String customerKeyId,
      String kind,
      String reason,
      String source,
      String detail) {
    store.appendEvent(newEvent(accountId, customerKeyId, kind, reason, source, detail));
  }

  /**
   * An event that is not a state transition (e.g. a re-protection job started), stamped now, for
   * the account's key-events to show next to the transitions that caused it.
   */
  public KeyEvent newEvent(
      String accountId,
      String customerKeyId,
      String kind,
      String reason,
      String source,
      String detail) {
    return new KeyEvent(
        Ids.newId("evt", random),
        accountId,
        customerKeyId,
        kind,
        "",
        "",
        Cause.NONE,
        reason,
        source,
        Texts.abbreviate(detail, 900),
        clock.instant());
  }

  /**
   * One round of the schedule on a node of a cluster: probes the keys whose probe lease this node
   * holds or can take ({@link #claimLease}); for the other keys it reads the status the holder
   * stored.
   *
   * @return how many keys this node probed
   */
  public int probeRound(Duration interval) {
    int probed = 0;
    for (CustomerKey k : refreshActiveKeys()) {
      if (claimLease(k.accountId(), interval)) {
        probeLogged(k);
        probed++;
      } else {
        store
            .find(k.accountId())
            .ifPresent(st -> gauge(k.accountId()).set(st.state().gaugeValue()));
      }
    }
    return probed;
  }

  /**
   * Probes again, between scheduled rounds, the keys that are not fully available (unavailable, or
   * degraded: running on a replica) and whose probe lease this node holds or can take, so a key or
   * primary region that answers again is seen within seconds and its recovery starts at once,
   * rather than up to a whole probe interval later. Available keys are left to the schedule.
   *
   * @param interval the scheduled probe interval (the lease length is derived from it)
   * @return how many keys this node probed
   */
  public int probeUnhealthy(Duration interval) {
    int probed = 0;
    for (CustomerKey k : refreshActiveKeys()) {
      boolean healthy =
          store.find(k.accountId()).map(st -> st.state() == KeyState.AVAILABLE).orElse(true);
      if (!healthy && claimLease(k.accountId(), interval)) {
        probeLogged(k);
        probed++;
      }
    }
    return probed;
  }

  /**
   * Takes or renews the account's probe lease for this node if it is free, expired or already this
   * node's, for {@code interval} and half as much again, so the holder renews it every round and a
   * stopped node is replaced within one and a half intervals. The holder does the account's
   * scheduled work with the customer's KMS: the probe ({@link #probeRound}) and the search grants'
   * settle round, so a cluster of N nodes makes those calls once per interval, not N times.
   *
   * @return whether this node does the account's scheduled KMS work this round; true as well when
   *     the database cannot say, because then calling from here is the safe side
   */
  public boolean claimLease(String accountId, Duration interval) {
    Instant now = clock.instant();
    try {
      return store.claimProbe(
          accountId, nodeId, now, now.plus(interval.multipliedBy(3).dividedBy(2)));
    } catch (RuntimeException e) {
      LOG.warn("probe lease of account {} unavailable; working from this node", accountId, e);
      return true;
    }
  }

  /**
   * Gives up this node's leases as it shuts down, so a rolling restart does not leave its accounts
   * unprobed (and their grant revokes unretried) until the leases expire. Best effort: a node that
   * cannot reach the database leaves them to expire.
   */
  public void releaseLeases() {
    try {
      int n = store.releaseProbes(nodeId);
      if (n > 0) {
        LOG.info("released {} probe lease(s) for other nodes", n);
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot release probe leases; they expire on their own", e);
    }
  }

  private List<CustomerKey> refreshActiveKeys() {
    List<CustomerKey> active = store.activeKeys();
    Map<String, List<CustomerKey>> index = new ConcurrentHashMap<>();
    for (CustomerKey k : active) {
      index.computeIfAbsent(rootName(k.ref()), x -> new CopyOnWriteArrayList<>()).add(k);
    }
    byRootKey = index;
    return active;
  }

  private void probeLogged(CustomerKey k) {
    try {
      probe(k);
    } catch (RuntimeException e) {
      LOG.warn("probe of account {} key {} failed unexpectedly", k.accountId(), k.id(), e);
    }
  }

  /**
   * Probes one key: the primary alone first; if it cannot be reached, each replica (a replica that
   * answers makes the key degraded). A refusal is never retried on a replica.
   */
  public KeyStatus probe(CustomerKey key) {
    KeyProvider p;
    try {
      p = providers.require(key.ref().provider());
    } catch (CmkException e) {
      return record(
          key, KeyState.UNAVAILABLE, Cause.UNREACHABLE, "provider_error", e.getMessage(), "probe");
    }
    KeyRef primary = KeyRef.of(key.ref().provider(), key.ref().keyId());
    try {
      p.probe(primary, probeContext(key.accountId()));
      KeyStatus st = record(key, KeyState.AVAILABLE, Cause.NONE, "", "primary answered", "probe");
      recheckSlices(key, p, primary);
      return st;
    } catch (ProviderException primaryFailure) {
      if (primaryFailure instanceof KeyUnavailableException) {
        for (String replica : key.ref().replicaKeyIds()) {
          try {
            p.probe(key.ref().atReplica(replica), probeContext(key.accountId()));
            return record(
                key,
                KeyState.DEGRADED,
                Cause.NONE,
                reason(primaryFailure),
                "replica " + replica + " answered; primary: " + evidence(primaryFailure),
                "probe");
          } catch (ProviderException replicaFailure) {
            // try the next replica
          }
        }
      }
      return record(
          key,
          KeyState.UNAVAILABLE,
          Cause.of(primaryFailure),
          reason(primaryFailure),
          evidence(primaryFailure),
          "probe");
    }
  }

  @Override
  public void succeeded(String accountId, KeyRef root) {
    activeFor(accountId, root)
        .ifPresent(
            key -> {
              Optional<KeyStatus> cur = store.find(accountId);
              if (cur.isEmpty() || cur.get().state() == KeyState.UNAVAILABLE) {
                record(key, KeyState.AVAILABLE, Cause.NONE, "", "a call succeeded", "traffic");
              }
            });
  }

  @Override
  public void failed(String accountId, KeyRef root, ProviderException failure) {
    activeFor(accountId, root)
        .ifPresent(
            key ->
                record(
                    key,
                    KeyState.UNAVAILABLE,
                    Cause.of(failure),
                    reason(failure),
                    evidence(failure),
                    "traffic"));
  }

  /**
   * A call for one slice (service, period) succeeded: a refusal recorded for that slice is over.
   */
  @Override
  public void succeeded(String accountId, KeyRef root, Slice slice) {
    succeeded(accountId, root);
    try {
      if (store.clearSliceRefusal(accountId, slice.serviceId(), slice.period())) {
        sliceEvent(accountId, "slice_restored", slice, "a call for it succeeded", "traffic");
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot clear the refused slice {} of account {}", slice, accountId, e);
    }
  }

  /**
   * A call for one slice failed. An access-denied answer may be a key-policy condition on the
   * encryption context ({@code service}, {@code period}) rather than the whole key: if the key
   * still answers the probe, only that slice is recorded as refused and the key stays available (no
   * whole-account purge); otherwise the key turns unavailable as for any failure.
   */
  @Override
  public void failed(String accountId, KeyRef root, ProviderException failure, Slice slice) {
    if (failure.reason() == FailureReason.ACCESS_DENIED) {
      Optional<CustomerKey> key = activeFor(accountId, root);
      try {
        if (key.isPresent() && refusesOnlySlice(key.get(), failure, slice)) {
          return;
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot tell a slice refusal from a key refusal for {}", accountId, e);
      }
    }
    failed(accountId, root, failure);
  }

  private boolean refusesOnlySlice(CustomerKey key, ProviderException failure, Slice slice) {
    Instant now = clock.instant();
    boolean known =
        store.sliceRefusals(key.accountId()).stream()
            .anyMatch(
                r -> r.serviceId().equals(slice.serviceId()) && r.period().equals(slice.period()));
    if (!known) {
      KeyProvider p = providers.require(key.ref().provider());
      try {
        p.probe(KeyRef.of(key.ref().provider(), key.ref().keyId()), probeContext(key.accountId()));
      } catch (ProviderException whole) {
        return false; // the key refuses more than this slice
      }
    }
    String detail = evidence(failure);
    boolean fresh =
        store.recordSliceRefusal(
            new SliceRefusal(
                key.accountId(),
                slice.serviceId(),
                slice.period(),
                reason(failure),
                Texts.abbreviate(failure.providerCode(), 99),
                Texts.abbreviate(detail, 900),
                now,
                now));
    if (fresh) {
      LOG.info(
          "account {} key {}: service {} period {} refused ({}), the key answers other calls",
          key.accountId(),
          key.id(),
          slice.serviceId(),
          slice.period(),
          failure.providerCode());
      sliceEvent(
          key.accountId(),
          "slice_refused",
          slice,
          "refused (" + detail + "); the key answers other calls, so only this slice is refused",
          "traffic");
    }
    return true;
  }

  /**
   * After a probe found the key answering: probes each refused slice with its own context and
   * forgets the slices the key serves again.
   */
  private void recheckSlices(CustomerKey key, KeyProvider p, KeyRef primary) {
    for (SliceRefusal r : store.sliceRefusals(key.accountId())) {
      Slice slice = new Slice(r.serviceId(), r.period());
      try {
        p.probe(primary, sliceContext(key.accountId(), slice));
      } catch (ProviderException stillRefused) {
        continue;
      }
      if (store.clearSliceRefusal(key.accountId(), r.serviceId(), r.period())) {
        sliceEvent(
            key.accountId(), "slice_restored", slice, "the probe of this slice succeeded", "probe");
      }
    }
  }

  private void sliceEvent(String accountId, String kind, Slice slice, String what, String source) {
    String keyId = store.activeKey(accountId).map(CustomerKey::id).orElse("");
    recordEvent(
        accountId,
        keyId,
        kind,
        "service " + slice.serviceId() + " period " + slice.period(),
        source,
        "service " + slice.serviceId() + ", period " + slice.period() + ": " + what);
  }

  private EncryptionContext sliceContext(String accountId, Slice slice) {
    return EncryptionContext.of(
        Map.of(
            EncryptionContext.PLATFORM,
            platformName,
            EncryptionContext.ACCOUNT,
            accountId,
            EncryptionContext.SERVICE,
            slice.serviceId(),
            EncryptionContext.PERIOD,
            slice.period(),
            EncryptionContext.PURPOSE,
            "probe"));
  }

  @Override
  public void served(KeyRef key, String servedByKeyId, boolean degraded) {
    try {
      for (CustomerKey k : byRootKey.getOrDefault(rootName(key), List.of())) {
        Optional<KeyStatus> cur = store.find(k.accountId());
        KeyState st = cur.map(KeyStatus::state).orElse(KeyState.AVAILABLE);
        if (degraded && st != KeyState.DEGRADED) {
          record(
              k,
              KeyState.DEGRADED,
              Cause.NONE,
              "",
              "replica " + servedByKeyId + " served",
              "traffic");
        } else if (!degraded && st != KeyState.AVAILABLE) {
          record(k, KeyState.AVAILABLE, Cause.NONE, "", "primary served", "traffic");
        }
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot record serving report for {}", key, e);
    }
  }

  private Optional<CustomerKey> activeFor(String accountId, KeyRef root) {
    return store.activeKey(accountId).filter(k -> rootName(k.ref()).equals(rootName(root)));
  }

  private KeyStatus record(
      CustomerKey key, KeyState state, Cause cause, String reason, String detail, String source) {
    Instant now = clock.instant();
    KeyStatus next =
        new KeyStatus(
            key.accountId(),
            key.id(),
            state,
            cause,
            reason,
            Texts.abbreviate(detail, 900),
            now,
            now);
    for (int attempt = 0; attempt < 3; attempt++) {
      Optional<KeyStatus> cur = store.find(key.accountId());
      if (cur.isPresent() && cur.get().sameAs(next)) {
        store.touch(key.accountId(), now);
        gauge(key.accountId()).set(state.gaugeValue());
        return cur.get();
      }
      KeyEvent event =
          new KeyEvent(
              Ids.newId("evt", random),
              key.accountId(),
              key.id(),
              KeyEvent.TRANSITION,
              cur.map(s -> s.state().name()).orElse("UNKNOWN"),
              state.name(),
              cause,
              reason,
              source,
              next.detail(),
              now);
      AuditEvent audited =
          AuditEvent.of(key.accountId(), Caller.system(source), Actions.KEY_STATE)
              .withKey(key.ref())
              .withTarget("", key.id())
              .withDetail("from", event.fromState())
              .withDetail("to", state.name())
              .withDetail("cause", cause.name())
              .withDetail("reason", reason);
      boolean moved =
          audit.inTransaction(
              () -> {
                if (!store.transition(cur, next, event)) {
                  return false;
                }
                audit.record(audited);
                return true;
              });
      if (moved) {
        gauge(key.accountId()).set(state.gaugeValue());
        LOG.info(
            "account {} key {}: {} -> {} ({} {}) seen by {}",
            key.accountId(),
            key.id(),
            event.fromState(),
            state,
            cause,
            reason,
            source);
        for (TransitionListener l : listeners) {
          try {
            l.onTransition(cur.orElse(null), next);
          } catch (RuntimeException e) {
            LOG.error("transition listener failed for account {}", key.accountId(), e);
          }
        }
        return next;
      }
    }
    return store.find(key.accountId()).orElse(next);
  }

  private AtomicInteger gauge(String accountId) {
    return gauges.computeIfAbsent(
        accountId,
        id -> {
          AtomicInteger v = new AtomicInteger();
          Gauge.builder(METRIC, v, AtomicInteger::get)
              .description("Customer key state: 0 available, 1 degraded, 2 unavailable")
              .tag("account", id)
              .register(metrics);
          return v;
        });
  }

  private EncryptionContext probeContext(String accountId) {
    return EncryptionContext.of(
        Map.of(
            EncryptionContext.PLATFORM,
            platformName,
            EncryptionContext.ACCOUNT,
            accountId,
            EncryptionContext.SERVICE,
            "0000",
            EncryptionContext.PURPOSE,
            "probe"));
  }

  private static String rootName(KeyRef r) {
    return r.provider() + ":" + r.keyId();
  }

  static String reason(ProviderException e) {
    return e.reason().name().toLowerCase(Locale.ROOT);
  }

  private static String evidence(ProviderException e) {
    return e.providerCode() + ": " + e.getMessage();
  }
}
