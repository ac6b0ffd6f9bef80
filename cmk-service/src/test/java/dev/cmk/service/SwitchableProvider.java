package dev.cmk.service;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A provider of another kind that delegates to a real one and can be made to fail the ways a cloud
 * KMS fails: unreachable (region outage), throttled, slow, or refusing because the customer
 * disabled the key. Faults can be limited to one key id (e.g. the primary of a replicated key) and
 * can start after a number of further calls (a key disabled mid-stream).
 */
public final class SwitchableProvider implements KeyProvider, KeyIdSyntax {
  /** What the next calls do. */
  public enum Mode {
    UP,
    DOWN,
    THROTTLED,
    DISABLED,
    SLOW
  }

  private final String kind;
  private final KeyProvider delegate;
  private volatile Mode mode = Mode.UP;
  private volatile Duration slowness = Duration.ofMillis(200);
  private final Set<String> onlyKeys = ConcurrentHashMap.newKeySet();
  private final AtomicLong okCallsBeforeFault = new AtomicLong(-1);
  private final AtomicLong calls = new AtomicLong();
  private final java.util.Map<String, String> replicaToPrimary = new ConcurrentHashMap<>();

  public SwitchableProvider(String kind, KeyProvider delegate) {
    this.kind = kind;
    this.delegate = delegate;
  }

  public void setDown(boolean down) {
    setMode(down ? Mode.DOWN : Mode.UP);
  }

  public void setMode(Mode m) {
    okCallsBeforeFault.set(-1);
    onlyKeys.clear();
    this.mode = m;
  }

  /** Fails only calls for these key ids (e.g. the primary), the others stay up. */
  public void setMode(Mode m, Set<String> keyIds) {
    setMode(m);
    onlyKeys.addAll(keyIds);
  }

  /** Lets {@code n} more calls through, then behaves as {@code m}. */
  public void setModeAfter(Mode m, long n) {
    this.mode = m;
    onlyKeys.clear();
    okCallsBeforeFault.set(n);
  }

  /**
   * Emulates a multi-region key: {@code replicaId} shares {@code primaryId}'s key material, and
   * both describe as multi-region (faults still apply per id, so the primary alone can be down).
   */
  public void addReplica(String replicaId, String primaryId) {
    replicaToPrimary.put(replicaId, primaryId);
  }

  private final java.util.List<java.util.Map<String, String>> deniedContexts =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * Refuses (access denied, like a key-policy {@code Deny} with encryption-context conditions)
   * every call whose encryption context contains all of {@code match}; other calls go through.
   */
  public void denyContext(java.util.Map<String, String> match) {
    deniedContexts.add(java.util.Map.copyOf(match));
  }

  /** Drops every context denial. */
  public void allowAllContexts() {
    deniedContexts.clear();
  }

  private void checkContext(EncryptionContext context) {
    for (java.util.Map<String, String> m : deniedContexts) {
      if (context.asMap().entrySet().containsAll(m.entrySet())) {
        throw new KeyRefusedException(
            FailureReason.ACCESS_DENIED,
            "AccessDeniedException",
            "denied by a key-policy condition on " + m + " (test)");
      }
    }
  }

  public void setSlowness(Duration d) {
    slowness = d;
  }

  /** Calls that reached this provider, whatever their outcome. */
  public long calls() {
    return calls.get();
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public void checkKeyId(String keyId) {
    delegate.capability(KeyIdSyntax.class).ifPresent(s -> s.checkKeyId(keyId));
  }

  private KeyRef real(KeyRef k) {
    calls.incrementAndGet();
    Mode m = mode;
    if (okCallsBeforeFault.get() >= 0 && okCallsBeforeFault.getAndDecrement() > 0) {
      m = Mode.UP;
    }
    if (!onlyKeys.isEmpty() && !onlyKeys.contains(k.keyId())) {
      m = Mode.UP;
    }
    switch (m) {
      case DOWN ->
          throw new KeyUnavailableException(
              FailureReason.NETWORK, "ConnectException", "connection refused (test outage)");
      case THROTTLED ->
          throw new KeyUnavailableException(
              FailureReason.THROTTLED, "ThrottlingException", "rate exceeded (test)");
      case DISABLED ->
          throw new KeyRefusedException(
              FailureReason.DISABLED, "DisabledException", k.keyId() + " is disabled (test)");
      case SLOW -> {
        try {
          Thread.sleep(slowness.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KeyUnavailableException(FailureReason.TIMEOUT, "Interrupted", "interrupted");
        }
      }
      case UP -> {}
    }
    return KeyRef.of(delegate.kind(), replicaToPrimary.getOrDefault(k.keyId(), k.keyId()));
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    KeyDescription d = delegate.describe(real(key));
    boolean multiRegion =
        replicaToPrimary.containsKey(key.keyId()) || replicaToPrimary.containsValue(key.keyId());
    return new KeyDescription(
        key.keyId(), d.state(), d.symmetricEncryption(), d.region(), multiRegion, d.keySpec());
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    KeyRef k = real(key);
    checkContext(context);
    return delegate.generateDataKey(k, context);
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    KeyRef k = real(key);
    checkContext(context);
    return delegate.wrap(k, plaintext, context);
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    KeyRef k = real(key);
    checkContext(context);
    return delegate.unwrap(k, wrapped, context);
  }
}
