package dev.cmk.service.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.kek.Protection;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content written from a stream and read as one (the HTTP routes' path); limit 1 MiB here. */
class StreamedContentTest {
  @TempDir Path dir;
  ServiceFixture f;
  Account acct;
  static final Caller CALLER = Caller.system("test");

  @BeforeEach
  void setUp() {
    f = ServiceFixture.h2(dir);
    acct = f.accounts.create("Acme", null);
    assertThat(f.keys.register(acct, "local", "customer", List.of()).report().passed()).isTrue();
    f.accounts.setLicense(acct.id(), "alice", true);
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private StoredObject put(String id, InputStream body, long declared) {
    return f.content.put(CALLER, acct.id(), "mail", "alice", Optional.of(id), body, declared);
  }

  private byte[] readStreamed(StoredObject o) throws IOException {
    try (ContentService.Streamed s = f.content.open(CALLER, acct.id(), "mail", o.objectId())) {
      assertThat(s.object()).isEqualTo(o);
      return s.plaintext().readAllBytes();
    }
  }

  private void assertNothingStored(String id) throws IOException {
    assertThat(f.objects.find(acct.id(), id)).isEmpty();
    try (var files = Files.walk(dir.resolve("blobs"))) {
      assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
          .as("no blob and no temporary file")
          .noneMatch(n -> n.equals(id) || n.endsWith(".tmp"));
    }
  }

  private static void assertCode(Runnable r, ErrorCode code) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(CmkException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void streamedContentOfEverySizeRoundTripsWithTheWrappedDekInTheRow() throws IOException {
    int chunk = ContentEnvelope.defaultChunkSize();
    for (int n : new int[] {1, chunk, chunk + 1, 3 * chunk + 7, 1 << 20}) {
      byte[] content = bytes(n, n);
      String id = "s-" + n;
      for (long declared : new long[] {n, -1}) {
        String oid = id + (declared < 0 ? "-chunked" : "");
        StoredObject o = put(oid, new ByteArrayInputStream(content), declared);
        assertThat(o.plaintextSize()).isEqualTo(n);
        assertThat(o.protection()).isEqualTo(Protection.CMK);
        assertThat(o.holdsWrappedDek()).isTrue();
        byte[] blob = f.blobs.get(o.blobKey()).orElseThrow();
        assertThat(ContentEnvelope.readHeader(blob).detached()).isTrue();
        // one chunk or less: the compact form; more: the chunked form, sealed as it streamed
        assertThat(blob[5]).as("form of %d bytes", n).isEqualTo((byte) (n <= chunk ? 3 : 2));
        assertThat(readStreamed(o)).isEqualTo(content);
        assertThat(f.content.get(acct.id(), "mail", oid).plaintext()).isEqualTo(content);
      }
    }
  }

  @Test
  void contentOverTheLimitIsRefusedWhileStreamingAndNothingIsStored() throws IOException {
    int limit = 1 << 20;
    // declared too large: refused before a byte is read
    InputStream untouched =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("the body was read");
          }
        };
    assertCode(() -> put("declared", untouched, limit + 1L), ErrorCode.CONTENT_TOO_LARGE);
    assertNothingStored("declared");
    // no length declared: counted as it streams, refused as soon as it passes the limit
    assertCode(
        () -> put("counted", new ByteArrayInputStream(bytes(limit + 1, 1)), -1),
        ErrorCode.CONTENT_TOO_LARGE);
    assertNothingStored("counted");
    // a declared length that understates the body does not get past the limit either
    assertCode(
        () -> put("understated", new ByteArrayInputStream(bytes(limit + 100, 2)), limit),
        ErrorCode.CONTENT_TOO_LARGE);
    assertNothingStored("understated");
    assertCode(() -> put("empty", InputStream.nullInputStream(), -1), ErrorCode.EMPTY_BODY);
    // exactly at the limit is fine
    assertThat(put("at-limit", new ByteArrayInputStream(bytes(limit, 3)), limit).plaintextSize())
        .isEqualTo(limit);
  }

  @Test
  void aClientThatGoesAwayMidUploadLeavesNothingAndIsCounted() throws IOException {
    long before = f.content.abortedUploads();
    for (int at : new int[] {100, 300_000}) { // in the head, and while streaming
      String id = "aborted-" + at;
      InputStream dies = failingAfter(bytes(at, at), new IOException("Early EOF"));
      assertCode(() -> put(id, dies, 500_000), ErrorCode.BODY_INCOMPLETE);
      assertNothingStored(id);
      // a body that just ends before its declared length is the same thing
      String shortId = "short-" + at;
      assertCode(
          () -> put(shortId, new ByteArrayInputStream(bytes(at, 1)), 500_000),
          ErrorCode.BODY_INCOMPLETE);
      assertNothingStored(shortId);
    }
    assertThat(f.content.abortedUploads() - before).isEqualTo(4);
  }

  @Test
  void aChunkAlteredAfterTheFirstIsAnIoErrorPartWayThroughNeverSilentTruncation()
      throws IOException {
    int chunk = ContentEnvelope.defaultChunkSize();
    byte[] content = bytes(4 * chunk, 9);
    StoredObject o = put("tampered", new ByteArrayInputStream(content), content.length);
    byte[] blob = f.blobs.get(o.blobKey()).orElseThrow();
    blob[blob.length - 100] ^= 1; // in the last chunk
    f.blobs.put(o.blobKey(), blob);
    try (ContentService.Streamed s = f.content.open(CALLER, acct.id(), "mail", o.objectId())) {
      byte[] first = s.plaintext().readNBytes(chunk);
      assertThat(first).isEqualTo(java.util.Arrays.copyOf(content, chunk));
      assertThatThrownBy(() -> s.plaintext().readAllBytes())
          .isInstanceOf(IOException.class)
          .hasMessageStartingWith("decryption failed");
    }
    // the key commitment and the DEK are checked before anything is returned
    blob[50] ^= 1; // in the commitment (header bytes 42..73 of the chunked form)
    f.blobs.put(o.blobKey(), blob);
    assertCode(
        () -> f.content.open(CALLER, acct.id(), "mail", o.objectId()), ErrorCode.DECRYPTION_FAILED);
  }

  /** Returns {@code head}, then fails every read with {@code failure}. */
  private static InputStream failingAfter(byte[] head, IOException failure) {
    return new InputStream() {
      int pos;

      @Override
      public int read() throws IOException {
        if (pos < head.length) {
          return head[pos++] & 0xFF;
        }
        throw failure;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (pos >= head.length) {
          throw failure;
        }
        int n = Math.min(len, head.length - pos);
        System.arraycopy(head, pos, b, off, n);
        pos += n;
        return n;
      }
    };
  }
}
