package dev.cmk.service.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.blob.FakeBlobStore.Mode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The breaker and bulkhead around any blob store, on a fake store and a hand-moved clock: a run of
 * unavailable failures opens it, access denied and missing blobs never do, trial calls close it.
 */
class ResilientBlobStoreTest extends BlobStoreContract {
  /** Opens when 4 of the last 4 calls were unavailable; open for 30 s; 2 trial calls. */
  static final BlobResilience POLICY = new BlobResilience(4, 4, 100, Duration.ofSeconds(30), 2, 64);

  final FakeBlobStore fake = new FakeBlobStore();
  final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final ResilientBlobStore store = new ResilientBlobStore(fake, POLICY, clock, metrics);
  ExecutorService threads;

  @AfterEach
  void stopThreads() {
    if (threads != null) {
      threads.shutdownNow();
    }
  }

  @Override
  protected BlobStore store() {
    return store;
  }

  @Test
  void opensAfterARunOfUnavailableFailuresAndThenFailsFastWithoutCallingTheStore() {
    fake.mode = Mode.DOWN;
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> store.put("a/b", new byte[] {1}))
          .isInstanceOf(BlobStoreUnavailableException.class);
    }
    assertThat(state()).isEqualTo(2);
    fake.mode = Mode.UP; // even once the store is back, the open breaker does not call it
    int before = fake.calls.get();

    assertThatThrownBy(() -> store.put("a/c", new byte[] {1}))
        .isInstanceOf(BlobStoreUnavailableException.class)
        .hasMessageContaining("paused")
        .satisfies(
            e ->
                assertThat(((BlobStoreException) e).toServiceError().code())
                    .isEqualTo(ErrorCode.BLOB_STORE_UNAVAILABLE));
    assertThatThrownBy(() -> store.get("a/b")).isInstanceOf(BlobStoreUnavailableException.class);
    assertThat(fake.calls.get()).isEqualTo(before);
    assertThat(fake.contains("a/c")).as("nothing stored").isFalse();
    assertThat(calls("put", "unavailable")).isEqualTo(4);
    assertThat(calls("put", "rejected_by_breaker")).isEqualTo(1);
    assertThat(calls("get", "rejected_by_breaker")).isEqualTo(1);
  }

  @Test
  void accessDeniedAndMissingBlobsNeverOpenIt() {
    fake.mode = Mode.DENIED;
    for (int i = 0; i < 10; i++) {
      assertThatThrownBy(() -> store.put("a/b", new byte[] {1}))
          .isInstanceOf(BlobStoreAccessDeniedException.class);
    }
    fake.mode = Mode.UP;
    for (int i = 0; i < 10; i++) {
      assertThat(store.get("a/missing-" + i)).isEmpty();
    }
    assertThat(state()).isZero();
    assertThat(calls("put", "access_denied")).isEqualTo(10);
    assertThat(calls("get", "missing")).isEqualTo(10);
    assertThat(fake.calls.get()).isEqualTo(20);
  }

  @Test
  void aFailureShortOfTheRunDoesNotOpenIt() {
    fake.mode = Mode.DOWN;
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> store.delete("a/b"))
          .isInstanceOf(BlobStoreUnavailableException.class);
    }
    fake.mode = Mode.UP;
    store.delete("a/b");
    assertThat(state()).isZero();
  }

  @Test
  void afterOpenForTrialCallsCloseItAgain() {
    open();
    clock.advance(Duration.ofSeconds(29));
    assertThatThrownBy(() -> store.get("a/b")).isInstanceOf(BlobStoreUnavailableException.class);

    clock.advance(Duration.ofSeconds(2));
    fake.mode = Mode.UP;
    store.put("a/b", new byte[] {7});
    assertThat(state()).as("half-open after the first trial").isEqualTo(1);
    assertThat(store.get("a/b")).hasValueSatisfying(b -> assertThat(b).containsExactly(7));
    assertThat(state()).isZero();
  }

  @Test
  void aFailedTrialOpensItAgainForAnotherPeriod() {
    open();
    clock.advance(Duration.ofSeconds(31));
    for (int i = 0; i < 2; i++) {
      assertThatThrownBy(() -> store.get("a/b")).isInstanceOf(BlobStoreUnavailableException.class);
    }
    assertThat(state()).isEqualTo(2);
    int before = fake.calls.get();
    fake.mode = Mode.UP;
    assertThatThrownBy(() -> store.get("a/b")).isInstanceOf(BlobStoreUnavailableException.class);
    assertThat(fake.calls.get()).isEqualTo(before);
  }

  @Test
  void aFullBulkheadFailsAtOnceAndDoesNotMoveTheBreaker() throws Exception {
    CountDownLatch entered = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    BlobStore slow =
        new BlobStore() {
          @Override
          public void put(String key, byte[] envelope) {
            entered.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public java.util.Optional<byte[]> get(String key) {
            return java.util.Optional.empty();
          }

          @Override
          public void delete(String key) {}
        };
    var twoInFlight = new BlobResilience(4, 4, 100, Duration.ofSeconds(30), 2, 2);
    var guarded = new ResilientBlobStore(slow, twoInFlight, clock, new SimpleMeterRegistry());
    threads = Executors.newFixedThreadPool(2);
    Future<?> a = threads.submit(() -> guarded.put("a/1", new byte[0]));
    Future<?> b = threads.submit(() -> guarded.put("a/2", new byte[0]));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 0; i < 5; i++) {
      assertThatThrownBy(() -> guarded.put("a/3", new byte[0]))
          .isInstanceOf(BlobStoreUnavailableException.class)
          .hasMessageContaining("in flight");
    }
    release.countDown();
    a.get(10, TimeUnit.SECONDS);
    b.get(10, TimeUnit.SECONDS);
    guarded.put("a/4", new byte[0]);
    assertThat(guarded.get("a/4")).isEmpty();
  }

  @Test
  void callsAreTimedPerOperation() {
    store.put("a/b", new byte[] {1});
    store.get("a/b");
    store.get("a/b");
    assertThat(metrics.get(ResilientBlobStore.DURATION).tag("operation", "get").timer().count())
        .isEqualTo(2);
    assertThat(metrics.get(ResilientBlobStore.DURATION).tag("operation", "put").timer().count())
        .isEqualTo(1);
    assertThat(calls("get", "ok")).isEqualTo(2);
  }

  private void open() {
    fake.mode = Mode.DOWN;
    for (int i = 0; i < 4; i++) {
      assertThatThrownBy(() -> store.put("a/b", new byte[] {1}))
          .isInstanceOf(BlobStoreUnavailableException.class);
    }
    assertThat(state()).isEqualTo(2);
  }

  private double state() {
    return metrics.get(ResilientBlobStore.BREAKER_STATE).gauge().value();
  }

  private double calls(String operation, String outcome) {
    var c =
        metrics
            .find(ResilientBlobStore.CALLS)
            .tag("operation", operation)
            .tag("outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }
}
