package dev.cmk.crypto;

import static dev.cmk.crypto.Fixtures.AAD;
import static dev.cmk.crypto.Fixtures.KEK_ID;
import static dev.cmk.crypto.Fixtures.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every alteration of an envelope fails with {@code decryption failed}, through both APIs, and the
 * stream API releases only chunks that verified before the altered one.
 */
class ContentEnvelopeTamperTest {
  static final int CHUNK = 64;
  static final int CHUNKS = 5;
  static final byte[] PT = Fixtures.bytes(CHUNK * (CHUNKS - 1) + 10, 77);

  private final SecretKeyMaterial dek = Fixtures.key(77);
  // A fresh salt per test: a provider may refuse to encrypt again with the key and nonce of the
  // operation it ran last (AWS-LC's does, even after a decryption), as a guard against reuse.
  private static final AtomicLong SALT_SEED = new AtomicLong(77);
  private final byte[] env = Fixtures.streamSeal(dek, AAD, PT, CHUNK, SALT_SEED.getAndIncrement());
  private final int authLen = 6 + 4 + 32 + 32;
  private final int headerLen = authLen + 4 + KEK_ID.length() + WRAPPED.length;

  @AfterEach
  void wipe() {
    dek.close();
  }

  private int chunkStart(int i) {
    return headerLen + i * (CHUNK + 16);
  }

  private byte[] chunk(int i) {
    return Arrays.copyOfRange(env, chunkStart(i), Math.min(env.length, chunkStart(i + 1)));
  }

  /** Asserts both APIs fail; returns how many plaintext bytes the stream released first. */
  private int assertFails(byte[] tampered, SecretKeyMaterial key, byte[] aad) {
    assertThatThrownBy(() -> ContentEnvelope.open(key, aad, tampered))
        .isInstanceOf(DecryptionFailedException.class)
        .hasMessageStartingWith("decryption failed");
    ByteArrayOutputStream released = new ByteArrayOutputStream();
    assertThatThrownBy(() -> Fixtures.readInto(key, aad, tampered, 1, released))
        .isInstanceOf(DecryptionFailedException.class)
        .hasMessageStartingWith("decryption failed");
    byte[] got = released.toByteArray();
    assertThat(got.length % CHUNK).as("only whole verified chunks are released").isZero();
    assertThat(got).isEqualTo(Arrays.copyOf(PT, got.length));
    return got.length;
  }

  private int assertFails(byte[] tampered) {
    return assertFails(tampered, dek, AAD);
  }

  static IntStream authenticatedHeaderBytes() {
    return IntStream.range(0, 6 + 4 + 32 + 32);
  }

  @ParameterizedTest(name = "header byte {0}")
  @MethodSource("authenticatedHeaderBytes")
  void flippingAnyAuthenticatedHeaderByteFailsBeforeReleasingAnything(int pos) {
    for (int bit : new int[] {0x01, 0x80}) {
      byte[] t = env.clone();
      t[pos] ^= (byte) bit;
      assertThat(assertFails(t)).isZero();
    }
  }

  @Test
  void changingTheReferenceLengthsBreaksParsing() {
    for (int pos : new int[] {authLen, authLen + 1, headerLen - WRAPPED.length - 1}) {
      byte[] t = env.clone();
      t[pos] ^= 0x01;
      assertFails(t);
    }
  }

  static Stream<int[]> chunkBytes() {
    List<int[]> out = new ArrayList<>();
    for (int i = 0; i < CHUNKS; i++) {
      out.add(new int[] {i, 0});
      out.add(new int[] {i, 9});
      out.add(new int[] {i, -1}); // last byte: the tag
    }
    return out.stream();
  }

  @ParameterizedTest(name = "chunk {0}")
  @MethodSource("chunkBytes")
  void flippingAByteInAChunkReleasesOnlyEarlierChunks(int[] where) {
    int i = where[0];
    int pos = where[1] >= 0 ? chunkStart(i) + where[1] : chunkStart(i) + chunk(i).length - 1;
    byte[] t = env.clone();
    t[pos] ^= 0x20;
    assertThat(assertFails(t)).isEqualTo(i * CHUNK);
  }

  @Test
  void truncatingAtEveryChunkBoundaryFails() {
    for (int i = 0; i < CHUNKS; i++) {
      int released = assertFails(Arrays.copyOf(env, chunkStart(i)));
      assertThat(released).isLessThanOrEqualTo(Math.max(0, (i - 1) * CHUNK));
    }
  }

  @Test
  void truncatingInsideAChunkFails() {
    for (int cut : new int[] {1, 15, 16, 17, CHUNK + 15}) {
      assertFails(Arrays.copyOf(env, chunkStart(CHUNKS - 2) + cut));
    }
    assertFails(Arrays.copyOf(env, env.length - 1));
    assertFails(Arrays.copyOf(env, headerLen - 1));
  }

  @Test
  void swappingTwoChunksFails() {
    byte[] t = env.clone();
    System.arraycopy(chunk(2), 0, t, chunkStart(1), CHUNK + 16);
    System.arraycopy(chunk(1), 0, t, chunkStart(2), CHUNK + 16);
    assertThat(assertFails(t)).isEqualTo(CHUNK);
  }

  @Test
  void droppingAChunkFails() {
    assertThat(assertFails(concat(Arrays.copyOf(env, chunkStart(1)), tail(2)))).isEqualTo(CHUNK);
  }

  @Test
  void duplicatingAChunkFails() {
    byte[] t = concat(Arrays.copyOf(env, chunkStart(2)), chunk(1), tail(2));
    assertThat(assertFails(t)).isEqualTo(2 * CHUNK);
  }

  @Test
  void aReadBufferThatTakesWholeChunksHoldsNoPlaintextOfTheChunkThatFailed() throws Exception {
    byte[] t = env.clone();
    t[chunkStart(1) + 3] ^= 0x10;
    byte[] buf = new byte[3 * CHUNK];
    try (var in = ContentEnvelope.decryptingStream(new java.io.ByteArrayInputStream(t), dek, AAD)) {
      assertThat(in.read(buf, 0, buf.length)).isEqualTo(CHUNK);
      assertThat(Arrays.copyOf(buf, CHUNK)).isEqualTo(Arrays.copyOf(PT, CHUNK));
      Arrays.fill(buf, (byte) 0x5A);
      assertThatThrownBy(() -> in.read(buf, 7, buf.length - 7))
          .isInstanceOf(DecryptionFailedException.class)
          .hasMessageStartingWith("decryption failed");
      byte[] expectedChunk = Arrays.copyOfRange(PT, CHUNK, 2 * CHUNK);
      for (int i = 0; i + 8 <= buf.length; i++) {
        assertThat(Arrays.copyOfRange(buf, i, i + 8))
            .as("no 8 bytes of the failed chunk's plaintext at %d", i)
            .isNotIn(
                IntStream.rangeClosed(0, CHUNK - 8)
                    .mapToObj(j -> Arrays.copyOfRange(expectedChunk, j, j + 8))
                    .toArray());
      }
      assertThatThrownBy(() -> in.read(buf)).hasMessage("decryption failed: stream already failed");
    }
  }

  @Test
  void appendingAChunkOrBytesFails() {
    assertFails(concat(env, chunk(0)));
    assertFails(concat(env, chunk(CHUNKS - 1)));
    assertFails(concat(env, new byte[1]));
    assertFails(concat(env, new byte[16]));
  }

  @Test
  void replacingTheFinalChunkWithANonFinalOneFails() {
    assertFails(concat(Arrays.copyOf(env, chunkStart(CHUNKS - 1)), chunk(1)));
  }

  @Test
  void wrongKeyFailsOnTheCommitmentBeforeAnyChunk() {
    try (SecretKeyMaterial other = Fixtures.key(78)) {
      assertThat(assertFails(env, other, AAD)).isZero();
      assertThatThrownBy(() -> ContentEnvelope.open(other, AAD, env))
          .hasMessage("decryption failed: key commitment mismatch");
    }
  }

  @Test
  void wrongAadFailsBeforeReleasingAnything() {
    byte[] other = AAD.clone();
    other[other.length - 1] ^= 1;
    assertThat(assertFails(env, dek, other)).isZero();
    assertThat(assertFails(env, dek, new byte[0])).isZero();
  }

  @Test
  void chunksOfAnotherMessageUnderTheSameDekFail() {
    byte[] second = Fixtures.streamSeal(dek, AAD, PT, CHUNK, 78);
    byte[] t = env.clone();
    System.arraycopy(second, chunkStart(1), t, chunkStart(1), CHUNK + 16);
    assertThat(assertFails(t)).isEqualTo(CHUNK);
  }

  @Test
  void compactFormRejectsEveryFlipTruncationAndWrongInputs() {
    byte[] small = Arrays.copyOf(PT, 50);
    byte[] one =
        ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, small, new Fixtures.FixedRandom(5), CHUNK);
    int hl = one.length - 50 - 16;
    for (int pos = 0; pos < one.length; pos++) {
      if (pos >= 6 + 12 + 32 && pos < hl) {
        continue; // key references: checked by the DEK unwrap, not here
      }
      byte[] t = one.clone();
      t[pos] ^= 0x04;
      assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, t))
          .isInstanceOf(DecryptionFailedException.class);
    }
    for (int cut = 0; cut < one.length; cut++) {
      byte[] t = Arrays.copyOf(one, cut);
      assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, t))
          .isInstanceOf(DecryptionFailedException.class);
    }
    assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, concat(one, new byte[1])))
        .isInstanceOf(DecryptionFailedException.class);
    assertThatThrownBy(() -> Fixtures.streamOpen(dek, new byte[0], one, 1))
        .isInstanceOf(DecryptionFailedException.class);
    try (SecretKeyMaterial other = Fixtures.key(79)) {
      assertThatThrownBy(() -> Fixtures.streamOpen(other, AAD, one, 1))
          .isInstanceOf(DecryptionFailedException.class);
    }
  }

  @Test
  void failuresNameNoKeyOrPlaintextBytes() {
    byte[] t = env.clone();
    t[chunkStart(0)] ^= 1;
    assertThatThrownBy(() -> ContentEnvelope.open(dek, AAD, t))
        .hasMessage("decryption failed: authentication tag mismatch")
        .hasNoCause();
    assertThat(dek.toString()).doesNotContain(java.util.HexFormat.of().formatHex(dek.copyBytes()));
  }

  private byte[] tail(int fromChunk) {
    return Arrays.copyOfRange(env, chunkStart(fromChunk), env.length);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }
}
