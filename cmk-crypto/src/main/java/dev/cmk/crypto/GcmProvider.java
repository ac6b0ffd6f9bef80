package dev.cmk.crypto;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.util.Objects;
import javax.crypto.Cipher;
import org.jspecify.annotations.Nullable;

/**
 * Which JCA provider computes CMK's AES-GCM, fixed once per JVM.
 *
 * <p>The crypto core calls the JCA only; it never names a provider library. By default AES-GCM
 * comes from the JVM's own provider ({@code Cipher.getInstance("AES/GCM/NoPadding")}, SunJCE on
 * OpenJDK). A composition root may hand it a faster provider with {@link #use(Provider)} once, at
 * start-up, before the first seal or open; the provider need not be registered with {@link
 * java.security.Security}, so nothing else in the process (TLS, cloud SDKs) changes. Every provider
 * produces the same bytes: AES-GCM is one standard, the golden files and the Project Wycheproof
 * vectors are checked against each provider the build offers.
 *
 * <p>The default chunk size follows the provider, as measured in BENCHMARKS.md (rounds r10, r10b):
 * the JDK's GCM is fastest with 16 KiB per call and slows down above it; AWS-LC (through Amazon
 * Corretto Crypto Provider) keeps speeding up with larger calls, but a stream must buffer its last
 * chunk, so 32 KiB is where messages of 64 KiB and of many MiB both run fastest. The chunk size is
 * written in each envelope's header, so readers need no setting.
 */
public final class GcmProvider {
  static final String ALGORITHM = "AES/GCM/NoPadding";

  /** Chunk size for the JDK's GCM and any provider not measured. */
  static final int JDK_CHUNK_SIZE = 16 * 1024;

  /** Chunk size for AWS-LC's GCM (Amazon Corretto Crypto Provider). */
  static final int NATIVE_CHUNK_SIZE = 32 * 1024;

  static final String ACCP_NAME = "AmazonCorrettoCryptoProvider";

  private static volatile @Nullable Provider chosen;
  private static volatile int chunkSize = JDK_CHUNK_SIZE;
  private static volatile boolean fixed;

  private GcmProvider() {}

  /**
   * Makes {@code provider} serve every AES-GCM operation of CMK in this JVM. Call it once, before
   * the first seal or open; calling it again with the same provider is harmless.
   *
   * @throws IllegalStateException if AES-GCM already ran on a different provider (threads keep
   *     their cached cipher, so a late switch would leave the process on two providers)
   * @throws IllegalArgumentException if {@code provider} has no working AES/GCM/NoPadding
   */
  public static synchronized void use(Provider provider) {
    Objects.requireNonNull(provider, "provider");
    Provider current = chosen;
    if (current == provider) {
      return;
    }
    if (fixed) {
      throw new IllegalStateException(
          "AES-GCM already runs on "
              + describe(current)
              + "; choose the provider before the first seal or open");
    }
    try {
      Cipher.getInstance(ALGORITHM, provider);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(provider.getName() + " offers no " + ALGORITHM, e);
    }
    chosen = provider;
    chunkSize = ACCP_NAME.equals(provider.getName()) ? NATIVE_CHUNK_SIZE : JDK_CHUNK_SIZE;
  }

  /** The provider AES-GCM runs on, e.g. {@code "SunJCE 17"}. Fixes the choice. */
  public static String active() {
    return describe(cipherProvider());
  }

  /** {@code true} when AES-GCM runs on the JVM's own provider. */
  public static boolean isJdk() {
    return chosen == null;
  }

  /** The default plaintext bytes per chunk for new envelopes, tuned for the active provider. */
  public static int defaultChunkSize() {
    return chunkSize; // set with the provider, not worked out again on every seal
  }

  /** A new AES-GCM cipher from the chosen provider; the choice is fixed from here on. */
  static Cipher newCipher() {
    Provider p;
    synchronized (GcmProvider.class) { // once per thread: no use() can slip in between
      fixed = true;
      p = chosen;
    }
    try {
      return p == null ? Cipher.getInstance(ALGORITHM) : Cipher.getInstance(ALGORITHM, p);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM unavailable in this JVM", e);
    }
  }

  private static Provider cipherProvider() {
    return newCipher().getProvider();
  }

  private static String describe(@Nullable Provider p) {
    return p == null ? "the JDK's default provider" : p.getName() + " " + p.getVersionStr();
  }
}
