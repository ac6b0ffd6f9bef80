package dev.cmk.service.content;

import dev.cmk.service.blob.BlobStore;
import dev.cmk.service.blob.BlobStore.Listed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes content blobs that no object row names. A write stores its blob first and then commits
 * the object's row (with its audit row); a node killed between the two leaves the blob behind,
 * unreferenced and never acknowledged. So does a write whose blob store call timed out on the
 * client but completed, and a {@code .put*.tmp} file of a directory-store write cut off mid-way.
 *
 * <p>Only content keys are considered ({@code <accountId>/<objectId>}, exactly two segments; the
 * audit archive's {@code audit-archive/…} keys are never touched), and only blobs older than the
 * grace period: a write in flight has its row committed long before. Each candidate is listed once
 * more right before its delete, so a blob rewritten meanwhile (a retried write under the same id)
 * is kept. One node sweeps at a time (the lease).
 */
public final class OrphanBlobSweeper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanBlobSweeper.class);
  private static final int PAGE = 1000;
  private static final String ARCHIVE_PREFIX = "audit-archive/";

  private final BlobStore blobs;
  private final ObjectStore objects;
  private final Duration grace;
  private final BooleanSupplier lease;
  private final Clock clock;
  private final Counter removed;
  private final Counter scanned;

  /**
   * @param lease takes or renews this node's sweeping lease; false when another node holds it
   */
  public OrphanBlobSweeper(
      BlobStore blobs,
      ObjectStore objects,
      Duration grace,
      BooleanSupplier lease,
      Clock clock,
      MeterRegistry metrics) {
    this.blobs = blobs;
    this.objects = objects;
    this.grace = grace;
    this.lease = lease;
    this.clock = clock;
    this.removed =
        Counter.builder("cmk.blob.orphans.removed")
            .description("Content blobs without an object row removed by the orphan sweeper")
            .register(metrics);
    this.scanned =
        Counter.builder("cmk.blob.orphans.scanned")
            .description("Blobs the orphan sweeper looked at")
            .register(metrics);
  }

  /** One pass over the whole store when this node holds the lease; returns blobs removed. */
  public int runOnce() {
    if (!lease.getAsBoolean()) {
      return 0;
    }
    int count = 0;
    String after = "";
    while (true) {
      List<Listed> page = blobs.list("", after, PAGE);
      for (Listed b : page) {
        scanned.increment();
        if (isOrphan(b) && stillOldAndUnreferenced(b.key())) {
          blobs.delete(b.key());
          removed.increment();
          count++;
          LOG.info("removed orphan blob {} (written {}, no object row)", b.key(), b.lastModified());
        }
      }
      if (page.size() < PAGE) {
        break;
      }
      after = page.get(page.size() - 1).key();
      if (!lease.getAsBoolean()) {
        break; // lost the lease (a long pass): the holder goes on
      }
    }
    return count;
  }

  private boolean isOrphan(Listed b) {
    if (b.key().startsWith(ARCHIVE_PREFIX) || !old(b.lastModified())) {
      return false;
    }
    String[] parts = b.key().split("/", -1);
    if (parts.length != 2) {
      return false;
    }
    return objects.find(parts[0], parts[1]).isEmpty();
  }

  /** Lists the key again: a retried write may have rewritten it (and committed its row) since. */
  private boolean stillOldAndUnreferenced(String key) {
    List<Listed> again = blobs.list(key, "", 1);
    if (again.isEmpty() || !again.get(0).key().equals(key) || !old(again.get(0).lastModified())) {
      return false;
    }
    String[] parts = key.split("/", -1);
    return objects.find(parts[0], parts[1]).isEmpty();
  }

  private boolean old(Instant written) {
    return written.isBefore(clock.instant().minus(grace));
  }
}
