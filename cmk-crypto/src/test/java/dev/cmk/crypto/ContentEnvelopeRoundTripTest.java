package dev.cmk.crypto;

import static dev.cmk.crypto.Fixtures.AAD;
import static dev.cmk.crypto.Fixtures.KEK_ID;
import static dev.cmk.crypto.Fixtures.WRAPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded round trips over the sizes that sit on chunk edges, through both APIs and across them. */
class ContentEnvelopeRoundTripTest {

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    Random r = new Random(20261129);
    for (int chunk : new int[] {16, 64, 1000, 4096}) {
      int[] edges = {0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 1, 7 * chunk + 5};
      for (int size : edges) {
        out.add(Arguments.of(chunk, size, r.nextLong()));
      }
      for (int i = 0; i < 6; i++) {
        out.add(Arguments.of(chunk, r.nextInt(20 * chunk), r.nextLong()));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "chunk={0} size={1}")
  @MethodSource("cases")
  void byteArrayApiRoundTrips(int chunk, int size, long seed) {
    byte[] pt = Fixtures.bytes(size, seed);
    try (SecretKeyMaterial dek = Fixtures.key(seed)) {
      byte[] env =
          ContentEnvelope.seal(
              dek, KEK_ID, WRAPPED, AAD, pt, new Fixtures.FixedRandom(seed), chunk);
      assertThat(ContentEnvelope.open(dek, AAD, env)).isEqualTo(pt);
      assertThat(Fixtures.streamOpen(dek, AAD, env, seed)).isEqualTo(pt);
      assertThat(ContentEnvelope.readHeader(env).kekId()).isEqualTo(KEK_ID);
      assertThat(ContentEnvelope.readHeader(env).wrappedDek()).isEqualTo(WRAPPED);
      long chunks = size <= chunk ? 1 : (size + chunk - 1) / chunk;
      assertThat(env.length - size).isEqualTo(overhead(size <= chunk, chunks));
    }
  }

  @ParameterizedTest(name = "chunk={0} size={1}")
  @MethodSource("cases")
  void streamApiRoundTrips(int chunk, int size, long seed) {
    byte[] pt = Fixtures.bytes(size, seed);
    try (SecretKeyMaterial dek = Fixtures.key(seed)) {
      byte[] env = Fixtures.streamSeal(dek, AAD, pt, chunk, seed);
      assertThat(Fixtures.streamOpen(dek, AAD, env, seed)).isEqualTo(pt);
      assertThat(ContentEnvelope.open(dek, AAD, env)).isEqualTo(pt);
      long chunks = Math.max(1, (size + chunk - 1) / chunk);
      assertThat(env.length - size).isEqualTo(overhead(false, chunks));
    }
  }

  @Test
  void smallContentUsesTheCompactForm() {
    try (SecretKeyMaterial dek = Fixtures.key(1)) {
      byte[] env =
          ContentEnvelope.seal(
              dek, KEK_ID, WRAPPED, AAD, new byte[100], new Fixtures.FixedRandom(1));
      assertThat(env[5]).isEqualTo(EnvelopeHeader.FORM_COMPACT);
      // 6 lead + 12 nonce + 32 commitment + references + one tag
      assertThat(env.length - 100)
          .isEqualTo(6 + 12 + 32 + 4 + KEK_ID.length() + WRAPPED.length + 16);
    }
  }

  @Test
  void resolverFormFindsTheDekFromTheHeader() throws Exception {
    byte[] pt = Fixtures.bytes(5000, 3);
    try (SecretKeyMaterial dek = Fixtures.key(3)) {
      byte[] env = Fixtures.streamSeal(dek, AAD, pt, 1024, 3);
      List<ContentEnvelope.Header> seen = new ArrayList<>();
      try (var in =
          ContentEnvelope.decryptingStream(
              new java.io.ByteArrayInputStream(env),
              h -> {
                seen.add(h);
                return dek.duplicate();
              },
              AAD)) {
        assertThat(in.readAllBytes()).isEqualTo(pt);
      }
      assertThat(seen).singleElement().extracting(ContentEnvelope.Header::kekId).isEqualTo(KEK_ID);
    }
  }

  @Test
  void rewrappingTheHeaderKeepsTheChunks() {
    byte[] pt = Fixtures.bytes(3000, 4);
    try (SecretKeyMaterial dek = Fixtures.key(4)) {
      byte[] env =
          ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, pt, new Fixtures.FixedRandom(4), 512);
      byte[] newWrapped = Fixtures.bytes(60, 5);
      byte[] moved = ContentEnvelope.withKeyReferences(env, "kek:other", newWrapped);
      assertThat(ContentEnvelope.readHeader(moved).kekId()).isEqualTo("kek:other");
      assertThat(ContentEnvelope.readHeader(moved).wrappedDek()).isEqualTo(newWrapped);
      assertThat(ContentEnvelope.open(dek, AAD, moved)).isEqualTo(pt);
      int oldHeader = env.length - (3000 + 6 * 16);
      int newHeader = moved.length - (3000 + 6 * 16);
      assertThat(java.util.Arrays.copyOfRange(moved, newHeader, moved.length))
          .isEqualTo(java.util.Arrays.copyOfRange(env, oldHeader, env.length));
    }
  }

  @Test
  void streamAndArrayHeaderReadersAgree() {
    try (SecretKeyMaterial dek = Fixtures.key(7)) {
      String kek = "kek:ünïcödé/✓";
      byte[] env =
          ContentEnvelope.seal(dek, kek, WRAPPED, AAD, new byte[3], new Fixtures.FixedRandom(7));
      var in = new java.io.ByteArrayInputStream(env);
      ContentEnvelope.Header fromStream = ContentEnvelope.readHeader(in);
      assertThat(fromStream.kekId()).isEqualTo(kek);
      assertThat(fromStream.wrappedDek()).isEqualTo(WRAPPED);
      assertThat(in.available()).as("left at the first chunk").isEqualTo(3 + 16);
    }
  }

  @Test
  void sameInputsGiveDifferentEnvelopes() {
    try (SecretKeyMaterial dek = Fixtures.key(6)) {
      var rnd = new java.security.SecureRandom();
      byte[] a = ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, new byte[10], rnd);
      byte[] b = ContentEnvelope.seal(dek, KEK_ID, WRAPPED, AAD, new byte[10], rnd);
      assertThat(a).isNotEqualTo(b);
    }
  }

  private static long overhead(boolean single, long chunks) {
    int refs = 4 + KEK_ID.length() + WRAPPED.length;
    return single ? 6 + 12 + 32 + refs + 16 : 6 + 4 + 32 + 32 + refs + 16 * chunks;
  }
}
