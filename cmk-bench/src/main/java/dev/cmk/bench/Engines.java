package dev.cmk.bench;

import com.amazonaws.encryptionsdk.AwsCrypto;
import com.amazonaws.encryptionsdk.CommitmentPolicy;
import com.amazonaws.encryptionsdk.CryptoAlgorithm;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.Parameters;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.StreamingAead;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import com.google.crypto.tink.streamingaead.PredefinedStreamingAeadParameters;
import com.google.crypto.tink.streamingaead.StreamingAeadConfig;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.SecretKeyMaterial;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.cryptography.materialproviders.IKeyring;
import software.amazon.cryptography.materialproviders.MaterialProviders;
import software.amazon.cryptography.materialproviders.model.AesWrappingAlg;
import software.amazon.cryptography.materialproviders.model.CreateRawAesKeyringInput;
import software.amazon.cryptography.materialproviders.model.MaterialProvidersConfig;

/** The engines compared in BENCHMARKS.md, each configured as its documentation recommends. */
public final class Engines {
  static final byte[] AAD =
      "account=acct-1|asset=0001|object=42".getBytes(StandardCharsets.US_ASCII);
  static final int STREAM_BUFFER = 64 * 1024;

  private Engines() {}

  /** All engines, for the smoke test. */
  public static Engine[] all(int cmkChunk) throws GeneralSecurityException {
    return new Engine[] {
      new CmkBytes(cmkChunk),
      new CmkStream(cmkChunk),
      new TinkAead(),
      new TinkStreaming(false),
      new TinkStreaming(true),
      new AwsEsdk(false),
      new AwsEsdk(true),
      new CmkBytesFreshDek(cmkChunk),
      new TinkAeadFreshKey(),
      new Jdk()
    };
  }

  static KeysetHandle newKeyset(Parameters params) throws GeneralSecurityException {
    return KeysetHandle.newBuilder()
        .addEntry(KeysetHandle.generateEntryFromParameters(params).withRandomId().makePrimary())
        .build();
  }

  static Sink drain(InputStream in, byte[] buf, Sink sink, int expected)
      throws java.io.IOException {
    sink.reset(expected);
    for (int n; (n = in.read(buf)) >= 0; ) {
      sink.write(buf, 0, n);
    }
    return sink;
  }

  /** CMK envelope v1, byte-array API. */
  public static final class CmkBytes implements Engine {
    private final SecretKeyMaterial dek = SecretKeyMaterial.random(new SecureRandom());
    private final byte[] wrapped = new byte[60];
    private final SecureRandom rnd = new SecureRandom();
    private final int chunk;

    public CmkBytes(int chunk) {
      this.chunk = chunk;
    }

    @Override
    public String name() {
      return "CMK bytes";
    }

    @Override
    public byte[] seal(byte[] pt) {
      return ContentEnvelope.seal(dek, "kek-id", wrapped, AAD, pt, rnd, chunk);
    }

    @Override
    public byte[] open(byte[] ct) {
      return ContentEnvelope.open(dek, AAD, ct);
    }
  }

  /**
   * CMK envelope v1, byte-array API, with a new DEK for every message, as the service seals each
   * object under its own DEK: every seal and open pays the compact form's key derivation and key
   * schedule. The message carries its DEK in the clear in front of the envelope (standing in for a
   * free unwrap) so that opening a ring of messages uses a different DEK each time.
   */
  public static final class CmkBytesFreshDek implements Engine {
    private final SecureRandom rnd = new SecureRandom();
    private final byte[] wrapped = new byte[60];
    private final int chunk;

    public CmkBytesFreshDek(int chunk) {
      this.chunk = chunk;
    }

    @Override
    public String name() {
      return "CMK bytes, new DEK";
    }

    @Override
    public byte[] seal(byte[] pt) {
      try (SecretKeyMaterial dek = SecretKeyMaterial.random(rnd)) {
        byte[] env = ContentEnvelope.seal(dek, "kek-id", wrapped, AAD, pt, rnd, chunk);
        return keyThen(dek.copyBytes(), env);
      }
    }

    @Override
    public byte[] open(byte[] ct) {
      byte[] raw = java.util.Arrays.copyOf(ct, 32);
      try (SecretKeyMaterial dek = SecretKeyMaterial.takeOwnership(raw)) {
        return ContentEnvelope.open(dek, AAD, java.util.Arrays.copyOfRange(ct, 32, ct.length));
      }
    }
  }

  /**
   * Tink's AES-GCM with a new key for every message, the like-for-like peer of {@link
   * CmkBytesFreshDek}: the raw primitive ({@code subtle.AesGcmJce}) built from 32 random bytes, the
   * cheapest way Tink offers to use a fresh key (no keyset); the key travels the same way.
   */
  public static final class TinkAeadFreshKey implements Engine {
    private final SecureRandom rnd = new SecureRandom();

    @Override
    public String name() {
      return "Tink AesGcm, new key";
    }

    @Override
    public byte[] seal(byte[] pt) throws GeneralSecurityException {
      byte[] key = new byte[32];
      rnd.nextBytes(key);
      return keyThen(key, new com.google.crypto.tink.subtle.AesGcmJce(key).encrypt(pt, AAD));
    }

    @Override
    public byte[] open(byte[] ct) throws GeneralSecurityException {
      return new com.google.crypto.tink.subtle.AesGcmJce(java.util.Arrays.copyOf(ct, 32))
          .decrypt(java.util.Arrays.copyOfRange(ct, 32, ct.length), AAD);
    }
  }

  private static byte[] keyThen(byte[] key, byte[] ct) {
    byte[] out = java.util.Arrays.copyOf(key, 32 + ct.length);
    System.arraycopy(ct, 0, out, 32, ct.length);
    return out;
  }

  /** CMK envelope v1, stream API, from and to memory. */
  public static final class CmkStream implements Engine {
    private final SecretKeyMaterial dek = SecretKeyMaterial.random(new SecureRandom());
    private final byte[] wrapped = new byte[60];
    private final SecureRandom rnd = new SecureRandom();
    private final Sink ctSink = new Sink();
    private final Sink ptSink = new Sink();
    private final byte[] readBuffer = new byte[STREAM_BUFFER];
    private final int chunk;

    public CmkStream(int chunk) {
      this.chunk = chunk;
    }

    @Override
    public String name() {
      return "CMK stream";
    }

    @Override
    public byte[] seal(byte[] pt) throws Exception {
      return sealTimed(pt).toByteArray();
    }

    @Override
    public Sink sealTimed(byte[] pt) throws Exception {
      ctSink.reset(pt.length + 200 + 16 * (pt.length / chunk + 1));
      try (OutputStream out =
          ContentEnvelope.encryptingStream(ctSink, dek, "kek-id", wrapped, AAD, rnd, chunk)) {
        out.write(pt);
      }
      return ctSink;
    }

    @Override
    public byte[] open(byte[] ct) throws Exception {
      return openTimed(ct).toByteArray();
    }

    @Override
    public Sink openTimed(byte[] ct) throws Exception {
      try (InputStream in =
          ContentEnvelope.decryptingStream(new ByteArrayInputStream(ct), dek, AAD)) {
        return drain(in, readBuffer, ptSink, ct.length);
      }
    }
  }

  /** Tink's AES256_GCM AEAD (one shot, random nonce), through a keyset handle. */
  public static final class TinkAead implements Engine {
    private final Aead aead;

    public TinkAead() throws GeneralSecurityException {
      AeadConfig.register();
      aead =
          newKeyset(PredefinedAeadParameters.AES256_GCM)
              .getPrimitive(RegistryConfiguration.get(), Aead.class);
    }

    @Override
    public String name() {
      return "Tink AesGcm";
    }

    @Override
    public byte[] seal(byte[] pt) throws GeneralSecurityException {
      return aead.encrypt(pt, AAD);
    }

    @Override
    public byte[] open(byte[] ct) throws GeneralSecurityException {
      return aead.decrypt(ct, AAD);
    }
  }

  /** Tink's AesGcmHkdfStreaming (AES256_GCM_HKDF_4KB or _1MB), from and to memory. */
  public static final class TinkStreaming implements Engine {
    private final StreamingAead aead;
    private final boolean oneMb;
    private final Sink ctSink = new Sink();
    private final Sink ptSink = new Sink();
    private final byte[] readBuffer = new byte[STREAM_BUFFER];

    public TinkStreaming(boolean oneMb) throws GeneralSecurityException {
      StreamingAeadConfig.register();
      this.oneMb = oneMb;
      var params =
          oneMb
              ? PredefinedStreamingAeadParameters.AES256_GCM_HKDF_1MB
              : PredefinedStreamingAeadParameters.AES256_GCM_HKDF_4KB;
      aead = newKeyset(params).getPrimitive(RegistryConfiguration.get(), StreamingAead.class);
    }

    @Override
    public String name() {
      return oneMb ? "Tink stream 1MB" : "Tink stream 4KB";
    }

    @Override
    public byte[] seal(byte[] pt) throws Exception {
      return sealTimed(pt).toByteArray();
    }

    @Override
    public Sink sealTimed(byte[] pt) throws Exception {
      ctSink.reset(pt.length + pt.length / 64 + 200);
      try (OutputStream out = aead.newEncryptingStream(ctSink, AAD)) {
        out.write(pt);
      }
      return ctSink;
    }

    @Override
    public byte[] open(byte[] ct) throws Exception {
      return openTimed(ct).toByteArray();
    }

    @Override
    public Sink openTimed(byte[] ct) throws Exception {
      try (InputStream in = aead.newDecryptingStream(new ByteArrayInputStream(ct), AAD)) {
        return drain(in, readBuffer, ptSink, ct.length);
      }
    }
  }

  /**
   * AWS Encryption SDK 3.x with a raw AES keyring (Material Providers Library), default frame size
   * (4 KiB), and the committing <em>unsigned</em> suite; the SDK's default suite adds an ECDSA
   * P-384 signature and is slower still.
   */
  public static final class AwsEsdk implements Engine {
    private final AwsCrypto crypto;
    private final boolean defaultSuite;
    private final IKeyring keyring;
    private final Map<String, String> context = Map.of("account", "acct-1", "object", "42");

    /** The unsigned committing suite. */
    public AwsEsdk() {
      this(false);
    }

    /**
     * @param defaultSuite the SDK's default suite, {@code
     *     ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY_ECDSA_P384} (an ECDSA P-384 signature over each
     *     message), as {@code AwsCrypto.standard()} encrypts; otherwise its unsigned counterpart
     */
    public AwsEsdk(boolean defaultSuite) {
      this.defaultSuite = defaultSuite;
      this.crypto =
          defaultSuite
              ? AwsCrypto.standard()
              : AwsCrypto.builder()
                  .withCommitmentPolicy(CommitmentPolicy.RequireEncryptRequireDecrypt)
                  .withEncryptionAlgorithm(CryptoAlgorithm.ALG_AES_256_GCM_HKDF_SHA512_COMMIT_KEY)
                  .build();
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      MaterialProviders mpl =
          MaterialProviders.builder()
              .MaterialProvidersConfig(MaterialProvidersConfig.builder().build())
              .build();
      keyring =
          mpl.CreateRawAesKeyring(
              CreateRawAesKeyringInput.builder()
                  .keyNamespace("cmk-bench")
                  .keyName("kek-1")
                  .wrappingKey(ByteBuffer.wrap(key))
                  .wrappingAlg(AesWrappingAlg.ALG_AES256_GCM_IV12_TAG16)
                  .build());
    }

    @Override
    public String name() {
      return defaultSuite ? "AWS ESDK default (signed)" : "AWS ESDK unsigned";
    }

    @Override
    public byte[] seal(byte[] pt) {
      return crypto.encryptData(keyring, pt, context).getResult();
    }

    @Override
    public byte[] open(byte[] ct) {
      return crypto.decryptData(keyring, ct, context).getResult();
    }
  }

  /** The floor: one JDK AES-256-GCM call over the whole message, random 96-bit nonce. */
  public static final class Jdk implements Engine {
    private final SecretKeySpec key;
    private final SecureRandom rnd = new SecureRandom();
    private final Cipher cipher;

    public Jdk() throws GeneralSecurityException {
      byte[] k = new byte[32];
      rnd.nextBytes(k);
      key = new SecretKeySpec(k, "AES");
      cipher = Cipher.getInstance("AES/GCM/NoPadding");
    }

    @Override
    public String name() {
      return "JDK AES-GCM";
    }

    @Override
    public byte[] seal(byte[] pt) throws GeneralSecurityException {
      byte[] nonce = new byte[12];
      rnd.nextBytes(nonce);
      byte[] out = new byte[12 + pt.length + 16];
      System.arraycopy(nonce, 0, out, 0, 12);
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(AAD);
      cipher.doFinal(pt, 0, pt.length, out, 12);
      return out;
    }

    @Override
    public byte[] open(byte[] ct) throws GeneralSecurityException {
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, ct, 0, 12));
      cipher.updateAAD(AAD);
      return cipher.doFinal(ct, 12, ct.length - 12);
    }
  }
}
