package dev.cmk.provider.resilience;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyUnavailableException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs one provider call on a worker thread and waits at most a deadline for it.
 *
 * <p><b>Security:</b> a call that completes after the caller gave up may still return key material;
 * the worker then wipes it, since no one will ever close it.
 */
final class TimedCall<T> {
  private static final int RUNNING = 0;
  private static final int DELIVERED = 1;
  private static final int ABANDONED = 2;

  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private final Callable<T> op;
  private final Runnable onFinish;

  private TimedCall(Callable<T> op, Runnable onFinish) {
    this.op = op;
    this.onFinish = onFinish;
  }

  /**
   * Runs {@code op}; {@code onFinish} runs on the worker when the call really ends (not when the
   * caller stops waiting), so a hung call keeps its bulkhead permit.
   */
  static <T> T run(
      ExecutorService executor, Callable<T> op, Runnable onFinish, Duration timeout, KeyRef key) {
    return new TimedCall<>(op, onFinish).await(executor, timeout, key);
  }

  private T await(ExecutorService executor, Duration timeout, KeyRef key) {
    Future<T> future = executor.submit(this::work);
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return giveUp(future, key, "did not answer within " + timeout.toMillis() + " ms", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return giveUp(future, key, "call was interrupted", e);
    } catch (ExecutionException e) {
      throw rethrow(e.getCause());
    }
  }

  private T work() throws Exception {
    try {
      T result = op.call();
      if (!state.compareAndSet(RUNNING, DELIVERED)) {
        wipe(result);
      }
      return result;
    } finally {
      onFinish.run();
    }
  }

  private T giveUp(Future<T> future, KeyRef key, String why, Exception cause) {
    if (!state.compareAndSet(RUNNING, ABANDONED)) {
      // The worker delivered between the deadline and now: take the result rather than leak it.
      try {
        return future.get();
      } catch (InterruptedException | ExecutionException e) {
        throw rethrow(e instanceof ExecutionException ? e.getCause() : e);
      }
    }
    future.cancel(true);
    throw new KeyUnavailableException(FailureReason.TIMEOUT, "Timeout", key + " " + why, cause);
  }

  private static void wipe(Object result) throws Exception {
    if (result instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  private static RuntimeException rethrow(@Nullable Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IllegalStateException("provider call failed", t);
  }
}
