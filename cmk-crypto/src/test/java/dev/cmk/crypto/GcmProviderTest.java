package dev.cmk.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import javax.crypto.Cipher;
import org.junit.jupiter.api.Test;

/** The provider choice: the one the run asked for, fixed once used, with its chunk size. */
class GcmProviderTest {
  private final boolean accp =
      "accp".equals(System.getProperty(GcmProviderSession.PROPERTY, "jdk"));

  @Test
  void aesGcmRunsOnTheProviderThisRunChose() throws Exception {
    AesGcm.seal(Fixtures.key(1), new byte[] {1, 2, 3}, Fixtures.AAD, new SecureRandom());
    if (accp) {
      assertThat(GcmProvider.active()).startsWith("AmazonCorrettoCryptoProvider ");
      assertThat(GcmProvider.isJdk()).isFalse();
      assertThat(GcmProvider.defaultChunkSize()).isEqualTo(32 * 1024);
    } else {
      Provider jdk = Cipher.getInstance("AES/GCM/NoPadding").getProvider();
      assertThat(GcmProvider.active()).isEqualTo(jdk.getName() + " " + jdk.getVersionStr());
      assertThat(GcmProvider.isJdk()).isTrue();
      assertThat(GcmProvider.defaultChunkSize()).isEqualTo(16 * 1024);
    }
    assertThat(ContentEnvelope.defaultChunkSize()).isEqualTo(GcmProvider.defaultChunkSize());
  }

  @Test
  void theChoiceCannotChangeOnceAesGcmHasRun() {
    AesGcm.seal(Fixtures.key(2), new byte[] {4}, Fixtures.AAD, new SecureRandom());
    Provider other = accp ? Security.getProvider("SunJCE") : GcmProviderSession.accp();
    assertThatThrownBy(() -> GcmProvider.use(other))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already runs on")
        .hasMessageContaining("before the first seal or open");
  }

  @Test
  void theSameProviderAgainIsHarmless() {
    assumeTrue(accp, "the JDK run never calls use()");
    AesGcm.seal(Fixtures.key(3), new byte[] {5}, Fixtures.AAD, new SecureRandom());
    GcmProvider.use(GcmProviderSession.accp());
    assertThat(GcmProvider.active()).startsWith("AmazonCorrettoCryptoProvider ");
  }
}
