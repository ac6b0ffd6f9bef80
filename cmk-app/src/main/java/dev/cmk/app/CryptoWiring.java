package dev.cmk.app;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import dev.cmk.crypto.GcmProvider;
import java.security.Provider;
import java.util.Optional;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the JCA provider that computes content AES-GCM ({@code crypto.aesGcmProvider}) and hands
 * it to the crypto core before anything is sealed.
 *
 * <ul>
 *   <li>{@code auto} (default): AWS-LC through Amazon Corretto Crypto Provider when its native
 *       library loads and passes its self-tests (Linux x86-64 and aarch64), else the JDK's own
 *       provider, with a warning that says why.
 *   <li>{@code accp}: AWS-LC or no start.
 *   <li>{@code jdk}: the JDK's provider.
 * </ul>
 *
 * <p>Amazon Corretto Crypto Provider is not registered with {@link java.security.Security}: it
 * serves CMK's content AES-GCM only, and TLS, the cloud SDKs and everything else in the process
 * keep the JDK's providers. Why: BENCHMARKS.md, round r10 (AES-GCM at openssl's speed on both Java
 * 17 and Temurin 25, where the JDK's GCM runs at 55-75 % of it).
 */
@NullMarked
final class CryptoWiring {
  private static final Logger LOG = LoggerFactory.getLogger(CryptoWiring.class);

  private CryptoWiring() {}

  /**
   * Applies {@code mode} to this JVM and returns the provider AES-GCM runs on, e.g. {@code
   * "AmazonCorrettoCryptoProvider 2.5.0"}.
   *
   * @throws IllegalStateException when {@code accp} is required but cannot load, or when this JVM
   *     already runs AES-GCM on another provider than {@code mode} asks for
   */
  static String install(String mode) {
    switch (mode) {
      case "jdk" -> {
        if (!GcmProvider.isJdk()) {
          throw new IllegalStateException(
              "crypto.aesGcmProvider is jdk but this JVM already runs AES-GCM on "
                  + GcmProvider.active());
        }
      }
      case "accp" -> {
        Provider p =
            accp()
                .orElseThrow(
                    () ->
                        new IllegalStateException(
                            "crypto.aesGcmProvider is accp but AWS-LC is unavailable: "
                                + whyUnavailable()
                                + "; use auto or jdk on this platform"));
        GcmProvider.use(p);
      }
      case "auto" -> {
        Optional<Provider> p = accp();
        if (p.isPresent()) {
          GcmProvider.use(p.get());
        } else if (GcmProvider.isJdk()) {
          LOG.warn(
              "AES-GCM runs on the JDK's provider, which is slower: AWS-LC is unavailable ({})",
              whyUnavailable());
        }
      }
      default ->
          throw new IllegalArgumentException(
              "invalid configuration: crypto.aesGcmProvider must be auto, accp or jdk");
    }
    String active = GcmProvider.active();
    LOG.info("content AES-GCM on {}, {} KiB chunks", active, GcmProvider.defaultChunkSize() / 1024);
    return active;
  }

  /** Amazon Corretto Crypto Provider, if its native library loaded and its self-tests pass. */
  static Optional<Provider> accp() {
    return whyUnavailable() == null
        ? Optional.of(AmazonCorrettoCryptoProvider.INSTANCE)
        : Optional.empty();
  }

  /** Why AWS-LC cannot serve, or {@code null} when it can. */
  private static @Nullable String whyUnavailable() {
    try {
      Throwable err = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
      if (err != null) {
        return "native library did not load: " + err;
      }
      AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
      return null;
    } catch (LinkageError | RuntimeException e) {
      return e.toString();
    }
  }
}
