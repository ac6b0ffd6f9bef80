package dev.cmk.service.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BlobStore} does, run by each store: the directory store in a unit test, S3
 * against {@code moto_server} in an integration test. Keys are fresh per test, so a store may be
 * shared by the tests of a class.
 */
public abstract class BlobStoreContract {
  private static int counter;

  /** The store under test; may be the same instance for every test of the class. */
  protected abstract BlobStore store();

  /** A key no other test uses, below {@code acct-…/}, the way content keys look. */
  protected static synchronized String freshKey(String name) {
    return "acct-" + System.nanoTime() + "-" + (++counter) + "/" + name;
  }

  protected static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void putThenGetReturnsTheSameBytes() {
    String key = freshKey("obj-1");
    byte[] blob = bytes(1000, 1);
    store().put(key, blob);
    assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(blob));
  }

  @Test
  void aMissingBlobIsEmpty() {
    assertThat(store().get(freshKey("never-written"))).isEmpty();
  }

  @Test
  void putOverwritesTheWholeBlob() {
    String key = freshKey("obj-2");
    store().put(key, bytes(5000, 2));
    byte[] shorter = bytes(10, 3);
    store().put(key, shorter);
    assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(shorter));
  }

  @Test
  void deleteRemovesAndIsIdempotent() {
    String key = freshKey("obj-3");
    store().put(key, bytes(10, 4));
    store().delete(key);
    assertThat(store().get(key)).isEmpty();
    store().delete(key);
    store().delete(freshKey("never-written"));
  }

  @Test
  void deleteLeavesOtherKeysAlone() {
    String key = freshKey("obj-4");
    String sibling = key + "-sibling";
    store().put(key, bytes(10, 5));
    store().put(sibling, bytes(10, 6));
    store().delete(key);
    assertThat(store().get(sibling)).isPresent();
  }

  @Test
  void everyByteValueSurvives() {
    String key = freshKey("binary");
    byte[] all = new byte[512];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    store().put(key, all);
    assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(all));
  }

  @Test
  void aOneByteBlobSurvives() {
    String key = freshKey("tiny");
    store().put(key, new byte[] {0});
    assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(0));
  }

  @Test
  void aLargeBlobSurvives() {
    String key = freshKey("large");
    byte[] large = bytes(9 * 1024 * 1024 + 17, 7); // larger than any buffer or chunk on the way
    store().put(key, large);
    assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).isEqualTo(large));
  }

  /**
   * Keys nest like paths. Whether one key may also be a prefix of another ({@code a} and {@code
   * a/b}) is left open: S3 allows it, a directory does not, and content keys never need it.
   */
  @Test
  void keysWithSlashesAtSeveralDepthsAreDistinct() {
    String base = freshKey("nest");
    String shallow = base + "/x";
    String deep = base + "/y/z/c.d_e-f";
    store().put(shallow, bytes(10, 8));
    store().put(deep, bytes(20, 9));
    assertThat(store().get(shallow)).hasValueSatisfying(b -> assertThat(b).hasSize(10));
    assertThat(store().get(deep)).hasValueSatisfying(b -> assertThat(b).hasSize(20));
    assertThat(store().get(base + "/y/z")).isEmpty();
    store().delete(shallow);
    assertThat(store().get(deep)).isPresent();
  }

  @Test
  void badKeysAreRefusedBeforeTheStoreIsAsked() {
    for (String bad : List.of("", "/abs", "a//b", "a/../b", "a/./b", "..", "a b", "a/", "ä")) {
      assertThatThrownBy(() -> store().put(bad, new byte[] {1}))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store().get(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void concurrentPutsOfDistinctKeysAllLand() throws Exception {
    String dir = freshKey("concurrent");
    int n = 24;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<Void>> puts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int id = i;
        puts.add(
            () -> {
              store().put(dir + "/" + id, bytes(2000 + id, id));
              return null;
            });
      }
      for (Future<Void> f : pool.invokeAll(puts, 60, TimeUnit.SECONDS)) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < n; i++) {
      byte[] expected = bytes(2000 + i, i);
      assertThat(store().get(dir + "/" + i))
          .hasValueSatisfying(b -> assertThat(b).isEqualTo(expected));
    }
  }

  /** Store-specific check that a failed streamed put left nothing behind under {@code key}. */
  protected void assertNothingLeftBehind(String key) {}

  /** Writes {@code n} pseudo-random bytes from {@code seed} in 64 KiB pieces. */
  private static BlobStore.BlobWriter writing(long n, long seed) {
    return out -> {
      Random r = new Random(seed);
      byte[] piece = new byte[65536];
      for (long done = 0; done < n; ) {
        int len = (int) Math.min(piece.length, n - done);
        r.nextBytes(piece);
        out.write(piece, 0, len);
        done += len;
      }
    };
  }

  private static void assertStreamEquals(java.io.InputStream in, long n, long seed)
      throws java.io.IOException {
    Random r = new Random(seed);
    byte[] piece = new byte[65536];
    long done = 0;
    try (in) {
      while (done < n) {
        int len = (int) Math.min(piece.length, n - done);
        r.nextBytes(piece);
        byte[] got = in.readNBytes(len);
        assertThat(got)
            .as("bytes %d..%d", done, done + len)
            .isEqualTo(java.util.Arrays.copyOf(piece, len));
        done += len;
      }
      assertThat(in.read()).as("end of the blob").isEqualTo(-1);
    }
  }

  @Test
  void streamedPutsOfSeveralSizesOpenAsStreams() throws Exception {
    // 0, one byte, below and above a typical multipart part size (S3 uses 8 MiB parts)
    for (long n : new long[] {0, 1, 100_000, 20L << 20}) {
      String key = freshKey("streamed-" + n);
      store().put(key, writing(n, n));
      assertThat(store().open(key)).as("%d bytes", n).isPresent();
      assertStreamEquals(store().open(key).orElseThrow(), n, n);
      if (n == 100_000) {
        assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).hasSize(100_000));
      }
    }
    assertThat(store().open(freshKey("never-written"))).isEmpty();
  }

  @Test
  void aStreamedPutWhoseWriterFailsStoresNothingAndLeavesNothingBehind() {
    for (long n : new long[] {10, 12L << 20}) {
      String key = freshKey("aborted-" + n);
      IllegalStateException gone = new IllegalStateException("the client went away");
      assertThatThrownBy(
              () ->
                  store()
                      .put(
                          key,
                          out -> {
                            writing(n, 7).writeTo(out);
                            throw gone;
                          }))
          .isSameAs(gone);
      assertThat(store().get(key)).as("%d bytes", n).isEmpty();
      assertNothingLeftBehind(key);
      // an earlier blob under the key survives a failed replacement
      store().put(key, new byte[] {1, 2, 3});
      assertThatThrownBy(
              () ->
                  store()
                      .put(
                          key,
                          out -> {
                            writing(n, 8).writeTo(out);
                            throw gone;
                          }))
          .isSameAs(gone);
      assertThat(store().get(key)).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
      assertNothingLeftBehind(key);
    }
  }
}
