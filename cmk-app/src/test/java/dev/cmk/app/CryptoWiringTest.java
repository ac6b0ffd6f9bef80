package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.GcmProvider;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The composition root puts content AES-GCM on AWS-LC where it loads (Linux x86-64 and aarch64,
 * which CI is), says so in the log and in a metric, and refuses settings it cannot honour.
 */
class CryptoWiringTest {
  @TempDir Path dir;

  static boolean nativePlatform() {
    String arch = System.getProperty("os.arch");
    return System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
        && (arch.equals("amd64") || arch.equals("aarch64"));
  }

  @Test
  void autoChoosesAwsLcWhereItLoads() {
    String active = CryptoWiring.install("auto");
    if (nativePlatform()) {
      assertThat(CryptoWiring.accp()).isPresent();
      assertThat(active).startsWith("AmazonCorrettoCryptoProvider ");
      assertThat(GcmProvider.defaultChunkSize()).isEqualTo(32 * 1024);
    } else {
      assertThat(active).doesNotStartWith("AmazonCorrettoCryptoProvider");
    }
    assertThat(CryptoWiring.install("auto")).isEqualTo(active);
  }

  @Test
  void awsLcIsNotRegisteredForTheRestOfTheProcess() {
    CryptoWiring.install("auto");
    assertThat(java.security.Security.getProvider("AmazonCorrettoCryptoProvider")).isNull();
  }

  @Test
  void jdkCannotBeHonouredOnceAesGcmRunsOnAwsLc() {
    CryptoWiring.install("auto");
    if (nativePlatform()) {
      assertThatThrownBy(() -> CryptoWiring.install("jdk"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("crypto.aesGcmProvider is jdk")
          .hasMessageContaining("AmazonCorrettoCryptoProvider");
      assertThat(CryptoWiring.install("accp")).startsWith("AmazonCorrettoCryptoProvider ");
    } else {
      assertThatThrownBy(() -> CryptoWiring.install("accp"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("AWS-LC is unavailable");
    }
  }

  @Test
  void unknownModeIsRefused() {
    assertThatThrownBy(() -> CryptoWiring.install("fast"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("crypto.aesGcmProvider must be auto, accp or jdk");
  }

  @Test
  void theNodeReportsItsProviderAsAMetric() {
    try (CmkNode node = new CmkNode(CmkConfig.embeddedIn(dir, 1 << 20), Clock.systemUTC())) {
      assertThat(node.aesGcmProvider()).isEqualTo(GcmProvider.active());
      assertThat(node.metrics().scrape())
          .contains("cmk_crypto_aes_gcm_provider{provider=\"" + node.aesGcmProvider() + "\"} 1.0");
    }
  }
}
