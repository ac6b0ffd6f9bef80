package dev.cmk.service.content;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.blob.DirectoryBlobStore;
import dev.cmk.service.kek.Protection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sweeper removes old blobs without a row, and nothing else. */
class OrphanBlobSweeperTest {
  @TempDir Path dir;
  private final Map<String, StoredObject> rows = new HashMap<>();
  private final ObjectStore objects =
      new ObjectStore() {
        @Override
        public boolean insert(StoredObject o) {
          return rows.putIfAbsent(o.accountId() + "/" + o.objectId(), o) == null;
        }

        @Override
        public Optional<StoredObject> find(String accountId, String objectId) {
          return Optional.ofNullable(rows.get(accountId + "/" + objectId));
        }

        @Override
        public long countByKek(String kekId) {
          return 0;
        }

        @Override
        public Map<String, StoredObject> findAll(
            String accountId, java.util.Collection<String> objectIds) {
          Map<String, StoredObject> out = new HashMap<>();
          for (String id : objectIds) {
            find(accountId, id).ifPresent(o -> out.put(id, o));
          }
          return out;
        }
      };

  @Test
  void removesOnlyOldUnreferencedContentBlobs() throws Exception {
    DirectoryBlobStore blobs = new DirectoryBlobStore(dir);
    Instant now = Instant.now();
    MutableClock clock = new MutableClock(now);
    blobs.put("acct_a/referenced", new byte[] {1});
    objects.insert(
        new StoredObject("acct_a", "referenced", "mail", "u", "kek", Protection.PLATFORM, 1, now));
    blobs.put("acct_a/orphan", new byte[] {2});
    blobs.put("acct_b/fresh-orphan", new byte[] {3});
    blobs.put("audit-archive/acct_a/00000000000000000001.jsonl", new byte[] {4});
    Files.writeString(dir.resolve("acct_a/.put123.tmp"), "torn write");
    FileTime old = FileTime.from(now.minus(Duration.ofHours(2)));
    for (String k :
        new String[] {
          "acct_a/referenced",
          "acct_a/orphan",
          "audit-archive/acct_a/00000000000000000001.jsonl",
          "acct_a/.put123.tmp"
        }) {
      Files.setLastModifiedTime(dir.resolve(k), old);
    }
    AtomicBoolean lease = new AtomicBoolean(false);
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    OrphanBlobSweeper sweeper =
        new OrphanBlobSweeper(blobs, objects, Duration.ofHours(1), lease::get, clock, metrics);

    assertThat(sweeper.runOnce()).as("another node holds the lease").isZero();
    lease.set(true);
    assertThat(sweeper.runOnce()).isEqualTo(2);

    assertThat(blobs.get("acct_a/referenced")).isPresent();
    assertThat(blobs.get("acct_a/orphan")).isEmpty();
    assertThat(dir.resolve("acct_a/.put123.tmp")).doesNotExist();
    assertThat(blobs.get("acct_b/fresh-orphan")).as("younger than the grace").isPresent();
    assertThat(blobs.get("audit-archive/acct_a/00000000000000000001.jsonl")).isPresent();
    assertThat(metrics.counter("cmk.blob.orphans.removed").count()).isEqualTo(2);

    clock.advance(Duration.ofHours(2));
    assertThat(sweeper.runOnce()).isEqualTo(1);
    assertThat(blobs.get("acct_b/fresh-orphan")).isEmpty();
  }

  @Test
  void directoryStoreListsInKeyOrderAfterAKey() {
    DirectoryBlobStore blobs = new DirectoryBlobStore(dir);
    for (String k : new String[] {"b/2", "a/1", "b/1", "c/x/y"}) {
      blobs.put(k, new byte[] {9});
    }
    assertThat(blobs.list("", "", 10).stream().map(l -> l.key()))
        .containsExactly("a/1", "b/1", "b/2", "c/x/y");
    assertThat(blobs.list("", "a/1", 2).stream().map(l -> l.key())).containsExactly("b/1", "b/2");
    assertThat(blobs.list("b/", "", 10).stream().map(l -> l.key())).containsExactly("b/1", "b/2");
    assertThat(blobs.list("b/2", "", 1).stream().map(l -> l.key())).containsExactly("b/2");
  }
}
