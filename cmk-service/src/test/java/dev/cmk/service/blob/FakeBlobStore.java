package dev.cmk.service.blob;

import dev.cmk.service.blob.BlobStoreException.Operation;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory blob store a test switches between up, down (unavailable) and access denied. */
final class FakeBlobStore implements BlobStore {
  enum Mode {
    UP,
    DOWN,
    DENIED
  }

  private final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  final AtomicInteger calls = new AtomicInteger();
  volatile Mode mode = Mode.UP;

  @Override
  public void put(String key, byte[] envelope) {
    check(Operation.PUT, key);
    blobs.put(BlobKeys.require(key), envelope.clone());
  }

  @Override
  public Optional<byte[]> get(String key) {
    check(Operation.GET, key);
    return Optional.ofNullable(blobs.get(BlobKeys.require(key))).map(byte[]::clone);
  }

  @Override
  public void delete(String key) {
    check(Operation.DELETE, key);
    blobs.remove(BlobKeys.require(key));
  }

  boolean contains(String key) {
    return blobs.containsKey(key);
  }

  private void check(Operation op, String key) {
    calls.incrementAndGet();
    switch (mode) {
      case DOWN -> throw new BlobStoreUnavailableException(op, "fake store down at " + key, null);
      case DENIED -> throw new BlobStoreAccessDeniedException(op, "fake store denies " + key, null);
      case UP -> {}
    }
  }
}
