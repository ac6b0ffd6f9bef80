package dev.cmk.crypto;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Puts the whole test run of this module on one AES-GCM provider, named by the system property
 * {@code cmk.test.gcmProvider}: {@code accp} (AWS-LC through Amazon Corretto Crypto Provider, the
 * default surefire run) or {@code jdk} (the second surefire run). Every crypto test, Wycheproof and
 * golden files included, thus runs on both providers; if the native library cannot load, the {@code
 * accp} run fails here instead of quietly testing the JDK twice.
 */
public final class GcmProviderSession implements LauncherSessionListener {
  static final String PROPERTY = "cmk.test.gcmProvider";

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    String want = System.getProperty(PROPERTY, "jdk");
    switch (want) {
      case "jdk" -> {}
      case "accp" -> GcmProvider.use(accp());
      default -> throw new IllegalArgumentException(PROPERTY + " must be jdk or accp: " + want);
    }
  }

  static AmazonCorrettoCryptoProvider accp() {
    AmazonCorrettoCryptoProvider p = AmazonCorrettoCryptoProvider.INSTANCE;
    if (p.getLoadingError() != null) {
      throw new IllegalStateException("AWS-LC native library did not load", p.getLoadingError());
    }
    p.assertHealthy();
    return p;
  }
}
