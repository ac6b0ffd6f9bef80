package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.LoopbackEndpoints;
import org.junit.jupiter.api.Test;

/** Outside tests, a key id cannot make the platform call (and send tokens to) this machine. */
class LoopbackKeyIdTest {
  @Test
  void loopbackVaultsAreRefusedUnlessTheTestSwitchIsOn() {
    String before = System.getProperty(LoopbackEndpoints.PROPERTY);
    try {
      System.clearProperty(LoopbackEndpoints.PROPERTY);
      assertThatThrownBy(() -> AzureKeyId.parse("https://127.0.0.1:8443/keys/root"))
          .isInstanceOf(KeyIdFormatException.class)
          .hasMessageContaining("names this machine");
      assertThatThrownBy(() -> AzureKeyId.parse("https://localhost/keys/root"))
          .isInstanceOf(KeyIdFormatException.class);
      System.setProperty(LoopbackEndpoints.PROPERTY, "true");
      assertThat(AzureKeyId.parse("https://127.0.0.1:8443/keys/root").kind())
          .isEqualTo(AzureKeyId.Kind.LOOPBACK);
    } finally {
      if (before == null) {
        System.clearProperty(LoopbackEndpoints.PROPERTY);
      } else {
        System.setProperty(LoopbackEndpoints.PROPERTY, before);
      }
    }
  }
}
