package dev.cmk.service.store;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: concurrent callers' units of work share one database transaction, and each caller
 * is answered only after that transaction committed (or with its own failure). One commit (one
 * fsync on PostgreSQL, one durable store commit on H2) then serves a whole batch, which is how the
 * write and read paths get their throughput without weakening durability.
 *
 * <p>A few committer threads each take whatever is queued (up to {@code maxBatch} units, waiting at
 * most {@code window} for more once the first arrived) and run it in one transaction. A unit runs
 * on the committer thread, where JDBI's thread-bound handle makes every store it calls join the
 * transaction. If any unit of a batch fails, the batch rolls back and every unit runs again alone
 * in its own transaction, so one caller's conflict never fails another's write and each caller sees
 * exactly its own outcome. A unit must therefore only touch the database (it may run twice; the
 * first run is rolled back) and must not take locks another unit of the batch might hold in the
 * opposite order.
 */
public final class GroupCommit implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  private final Jdbi jdbi;
  private final int maxBatch;
  private final long windowNanos;
  private final BlockingQueue<Unit<?>> queue = new LinkedBlockingQueue<>();
  private final List<Thread> committers = new ArrayList<>();
  private volatile boolean closed;

  /**
   * @param committers how many transactions may be open at once (each batches what queued)
   * @param maxBatch most units in one transaction
   * @param window how long a committer waits for more units after the first (0: take only what is
   *     already queued; the batch then grows by itself while the previous commit runs)
   */
  public GroupCommit(Database db, int committers, int maxBatch, Duration window) {
    if (committers < 1 || maxBatch < 1 || window.isNegative()) {
      throw new IllegalArgumentException("committers and maxBatch must be >= 1, window >= 0");
    }
    this.jdbi = db.jdbi();
    this.maxBatch = maxBatch;
    this.windowNanos = window.toNanos();
    for (int i = 0; i < committers; i++) {
      Thread t = new Thread(this::loop, "cmk-group-commit-" + i);
      t.setDaemon(true);
      t.start();
      this.committers.add(t);
    }
  }

  /**
   * Runs {@code work} in a transaction shared with concurrent callers and returns its result once
   * that transaction committed. Its exception (a {@link RuntimeException}) is rethrown as is.
   */
  public <T> T run(Supplier<T> work) {
    if (closed) {
      throw new IllegalStateException("group commit is closed");
    }
    Unit<T> u = new Unit<>(work);
    queue.add(u);
    try {
      return u.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the commit", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  private void loop() {
    List<Unit<?>> batch = new ArrayList<>(maxBatch);
    while (!closed) {
      try {
        Unit<?> first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, maxBatch - 1);
        if (batch.size() < maxBatch && windowNanos > 0) {
          long deadline = System.nanoTime() + windowNanos;
          for (long left = windowNanos; left > 0 && batch.size() < maxBatch; ) {
            Unit<?> more = queue.poll(left, TimeUnit.NANOSECONDS);
            if (more == null) {
              break;
            }
            batch.add(more);
            queue.drainTo(batch, maxBatch - batch.size());
            left = deadline - System.nanoTime();
          }
        }
        commit(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException | Error e) {
        LOG.error("group commit failed unexpectedly", e);
        batch.forEach(u -> u.result.completeExceptionally(e));
      } finally {
        batch.clear();
      }
    }
  }

  private void commit(List<Unit<?>> batch) {
    if (batch.size() > 1) {
      List<Object> results;
      try {
        results =
            jdbi.inTransaction(
                h -> {
                  List<Object> out = new ArrayList<>(batch.size());
                  for (Unit<?> u : batch) {
                    out.add(u.work.get());
                  }
                  return out;
                });
      } catch (RuntimeException batchFailed) {
        // rolled back: give every unit its own transaction and its own outcome
        batch.forEach(this::alone);
        return;
      }
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).complete(results.get(i));
      }
    } else {
      alone(batch.get(0));
    }
  }

  private void alone(Unit<?> u) {
    try {
      u.complete(jdbi.inTransaction(h -> u.work.get()));
    } catch (RuntimeException | Error e) {
      u.result.completeExceptionally(e);
    }
  }

  /** Stops the committers after the work already queued; later {@link #run} calls fail. */
  @Override
  public void close() {
    closed = true;
    for (Thread t : committers) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    List<Unit<?>> left = new ArrayList<>();
    queue.drainTo(left);
    left.forEach(this::alone);
  }

  private static final class Unit<T> {
    final Supplier<T> work;
    final CompletableFuture<T> result = new CompletableFuture<>();

    Unit(Supplier<T> work) {
      this.work = work;
    }

    @SuppressWarnings("unchecked")
    void complete(Object value) {
      result.complete((T) value);
    }
  }
}
