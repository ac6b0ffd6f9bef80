package dev.cmk.provider.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.oracle.bmc.model.BmcException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.oci.OciErrors.Op;
import org.junit.jupiter.api.Test;

class OciErrorsTest {
  private static final OciKeyId KEY =
      OciKeyId.parse(
          "ocid1.key.oc1.iad.v.k;crypto=https://v-crypto.kms.us-ashburn-1.oraclecloud.com");

  @Test
  void stateErrorsAreRefusedWithTheirReason() {
    assertThat(classify(409, "IncorrectState", "The key is disabled.", Op.ENCRYPT))
        .isInstanceOf(KeyRefusedException.class)
        .extracting(ProviderException::reason)
        .isEqualTo(FailureReason.DISABLED);
    assertThat(classify(409, "IncorrectState", "Key is pending deletion", Op.DECRYPT).reason())
        .isEqualTo(FailureReason.PENDING_DELETION);
    assertThat(classify(404, "NotAuthorizedOrNotFound", "x", Op.GET_KEY).getMessage())
        .contains("does not exist or the platform principal may not use it");
    assertThat(classify(403, "NotAllowed", "x", Op.ENCRYPT).reason())
        .isEqualTo(FailureReason.ACCESS_DENIED);
  }

  @Test
  void badRequestIsBadCiphertextOnlyOnDecrypt() {
    assertThat(classify(400, "InvalidParameter", "x", Op.DECRYPT))
        .isInstanceOf(BadCiphertextException.class);
    assertThat(classify(400, "InvalidParameter", "x", Op.ENCRYPT))
        .isInstanceOf(KeyRefusedException.class)
        .extracting(ProviderException::reason)
        .isEqualTo(FailureReason.INVALID_KEY_USAGE);
  }

  @Test
  void throttlingAndServerErrorsAreUnavailable() {
    assertThat(classify(429, "TooManyRequests", "x", Op.ENCRYPT))
        .isInstanceOf(KeyUnavailableException.class)
        .extracting(ProviderException::reason)
        .isEqualTo(FailureReason.THROTTLED);
    assertThat(classify(502, "BadGateway", "x", Op.ENCRYPT).reason())
        .isEqualTo(FailureReason.PROVIDER_ERROR);
    assertThat(OciErrors.classify(new IllegalStateException("boom"), Op.ENCRYPT, KEY))
        .isInstanceOf(KeyUnavailableException.class);
  }

  @Test
  void ourOwnRefusalWrappedByTheSdkStaysRefused() {
    KeyRefusedException ours =
        new KeyRefusedException(FailureReason.ACCESS_DENIED, "ApiKeyUnreadable", "key file");
    assertThat(OciErrors.classify(new IllegalStateException("signer", ours), Op.ENCRYPT, KEY))
        .isSameAs(ours);
  }

  private static ProviderException classify(int status, String code, String message, Op op) {
    return OciErrors.classify(new BmcException(status, code, message, "req-1"), op, KEY);
  }
}
