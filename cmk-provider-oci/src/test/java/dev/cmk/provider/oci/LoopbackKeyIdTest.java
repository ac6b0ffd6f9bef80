package dev.cmk.provider.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyIdFormatException;
import org.junit.jupiter.api.Test;

/** Outside tests, a key id cannot make the platform send signed requests to this machine. */
class LoopbackKeyIdTest {
  private static final String ID =
      "ocid1.key.oc1.iad.aaaa.bbbb;crypto=http://127.0.0.1:9000;management=http://127.0.0.1:9001";

  @Test
  void loopbackEndpointsAreRefusedUnlessTheConfigurationAllowsThem() {
    assertThatThrownBy(() -> OciKeyId.parse(ID))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("names this machine");
    assertThatThrownBy(() -> OciKeyId.parse(ID, false)).isInstanceOf(KeyIdFormatException.class);
    assertThat(OciKeyId.parse(ID, true).cryptoEndpoint().getPort()).isEqualTo(9000);
  }
}
