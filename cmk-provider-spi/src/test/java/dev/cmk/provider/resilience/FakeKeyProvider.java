package dev.cmk.provider.resilience;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A provider whose answers are scripted per key: each call takes the next scripted failure, or
 * succeeds when the script is empty. A key can be made to hang until released.
 */
final class FakeKeyProvider implements KeyProvider {
  private final Map<String, Deque<RuntimeException>> scripts = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final Map<String, CountDownLatch> hangs = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  volatile DataKey lastIssued;

  void fail(KeyRef key, RuntimeException... failures) {
    Deque<RuntimeException> q = scripts.computeIfAbsent(key.keyId(), k -> new ArrayDeque<>());
    synchronized (q) {
      for (RuntimeException f : failures) {
        q.add(f);
      }
    }
  }

  CountDownLatch hang(KeyRef key) {
    CountDownLatch latch = new CountDownLatch(1);
    hangs.put(key.keyId(), latch);
    return latch;
  }

  int calls(KeyRef key) {
    return calls.computeIfAbsent(key.keyId(), k -> new AtomicInteger()).get();
  }

  @Override
  public String kind() {
    return "fake";
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    enter(key);
    return new KeyDescription(key.keyId(), KeyState.ENABLED, true, Optional.empty(), false, "x");
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    enter(key);
    SecretKeyMaterial plain = SecretKeyMaterial.random(random);
    DataKey dk = new DataKey(plain, plain.copyBytes()); // "wrapped" as itself: probes round-trip
    lastIssued = dk;
    return dk;
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    enter(key);
    return plaintext.copyBytes();
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    enter(key);
    return SecretKeyMaterial.copyOf(wrapped);
  }

  private void enter(KeyRef key) {
    calls.computeIfAbsent(key.keyId(), k -> new AtomicInteger()).incrementAndGet();
    CountDownLatch latch = hangs.get(key.keyId());
    if (latch != null) {
      try {
        latch.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        // A cancelled call is interrupted; it goes on to return, like a late SDK answer would.
      }
    }
    Deque<RuntimeException> q = scripts.get(key.keyId());
    if (q != null) {
      RuntimeException next;
      synchronized (q) {
        next = q.poll();
      }
      if (next != null) {
        throw next;
      }
    }
  }
}
