package dev.cmk.provider.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyIdFormatException;
import java.net.URI;
import org.junit.jupiter.api.Test;

class OciKeyIdTest {
  private static final String OCID = "ocid1.key.oc1.iad.bbpr5gw2aaeuk.abuwcljtmfbqnxqqk4xy";
  private static final String CRYPTO =
      "https://bbpr5gw2aaeuk-crypto.kms.us-ashburn-1.oraclecloud.com";

  @Test
  void derivesTheManagementEndpointAndRegionFromTheCryptoEndpoint() {
    OciKeyId id = OciKeyId.parse(OCID + ";crypto=" + CRYPTO);
    assertThat(id.managementEndpoint())
        .isEqualTo(URI.create("https://bbpr5gw2aaeuk-management.kms.us-ashburn-1.oraclecloud.com"));
    assertThat(id.region()).contains("us-ashburn-1");
    assertThat(OciKeyId.parse(id.format())).isEqualTo(id);
  }

  @Test
  void takesAnExplicitManagementEndpointAndTheOcidRegion() {
    OciKeyId id =
        OciKeyId.parse(OCID + ";crypto=http://127.0.0.1:9;management=http://localhost:10", true);
    assertThat(id.managementEndpoint()).isEqualTo(URI.create("http://localhost:10"));
    assertThat(id.region()).contains("iad");
  }

  @Test
  void rejectsWhatIsNotAKeyOcidOrLacksAnEndpoint() {
    assertThatThrownBy(() -> OciKeyId.parse("ocid1.vault.oc1.iad.x.y;crypto=" + CRYPTO))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("not the OCID of an OCI Vault key");
    assertThatThrownBy(() -> OciKeyId.parse(OCID))
        .isInstanceOf(KeyIdFormatException.class)
        .hasMessageContaining("no crypto endpoint");
    assertThatThrownBy(() -> OciKeyId.parse(OCID + ";vault=x"))
        .hasMessageContaining("unknown part");
  }

  @Test
  void refusesPlainHttpBeyondLoopbackAndEndpointsWithPaths() {
    assertThatThrownBy(
            () -> OciKeyId.parse(OCID + ";crypto=http://x-crypto.kms.us-ashburn-1.oraclecloud.com"))
        .hasMessageContaining("must use https");
    assertThatThrownBy(() -> OciKeyId.parse(OCID + ";crypto=" + CRYPTO + "/20180608"))
        .hasMessageContaining("without a path");
    assertThatThrownBy(() -> OciKeyId.parse(OCID + ";crypto=https://vault.example.com"))
        .hasMessageContaining("cannot be derived");
  }

  @Test
  void configurationIsValidatedByName() {
    assertThatThrownBy(
            () ->
                OciConfig.of(
                    "ocid1.user.oc1..x", "ocid1.user.oc1..y", "aa", java.nio.file.Path.of("k")))
        .hasMessageContaining("oci.tenancyOcid");
    assertThatThrownBy(
            () ->
                OciConfig.of(
                    "ocid1.tenancy.oc1..x",
                    "ocid1.user.oc1..y",
                    "aa:bb",
                    java.nio.file.Path.of("k")))
        .hasMessageContaining("oci.fingerprint");
  }
}
