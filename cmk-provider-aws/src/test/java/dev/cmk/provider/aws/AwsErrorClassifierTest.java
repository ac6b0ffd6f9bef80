package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.kms.model.KmsException;

class AwsErrorClassifierTest {
  private static final String KEY =
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

  private static KmsException aws(String code, int status) {
    return (KmsException)
        KmsException.builder()
            .statusCode(status)
            .requestId("req-1")
            .awsErrorDetails(
                AwsErrorDetails.builder()
                    .errorCode(code)
                    .errorMessage("the message from KMS")
                    .sdkHttpResponse(SdkHttpResponse.builder().statusCode(status).build())
                    .build())
            .build();
  }

  @ParameterizedTest(name = "{0} (HTTP {1}) -> {2} {3}")
  @CsvSource({
    "DisabledException, 400, refused, DISABLED",
    "KMSInvalidStateException, 400, refused, PENDING_DELETION",
    "NotFoundException, 400, refused, NOT_FOUND",
    "AccessDeniedException, 400, refused, ACCESS_DENIED",
    "KMSAccessDeniedException, 400, refused, ACCESS_DENIED",
    "InvalidKeyUsageException, 400, refused, INVALID_KEY_USAGE",
    "ValidationException, 400, refused, INVALID_KEY_USAGE",
    "SomethingForbidden, 403, refused, ACCESS_DENIED",
    "ThrottlingException, 400, unavailable, THROTTLED",
    "LimitExceededException, 400, unavailable, THROTTLED",
    "SlowDown, 429, unavailable, THROTTLED",
    "KMSInternalException, 500, unavailable, PROVIDER_ERROR",
    "ServiceUnavailable, 503, unavailable, PROVIDER_ERROR",
    "Whatever, 502, unavailable, PROVIDER_ERROR",
    "DependencyTimeoutException, 503, unavailable, TIMEOUT",
    "InvalidCiphertextException, 400, bad-ciphertext, INVALID_CIPHERTEXT",
    "IncorrectKeyException, 400, bad-ciphertext, INVALID_CIPHERTEXT",
  })
  void serviceErrorsLandInTheirFamily(String code, int status, String family, String reason) {
    ProviderException p = AwsErrorClassifier.classify(aws(code, status), "Decrypt", KEY);

    Class<?> expected =
        switch (family) {
          case "refused" -> KeyRefusedException.class;
          case "unavailable" -> KeyUnavailableException.class;
          default -> BadCiphertextException.class;
        };
    assertThat(p).isInstanceOf(expected);
    assertThat(p.reason()).isEqualTo(FailureReason.valueOf(reason));
    assertThat(p.providerCode()).isEqualTo(code);
    assertThat(p.getMessage())
        .contains("Decrypt", KEY, code, "the message from KMS", "req-1")
        .doesNotContain("software.amazon");
    assertThat(p.getCause()).isNull();
  }

  @Test
  void timeoutsAreUnavailableTimeout() {
    ProviderException call =
        AwsErrorClassifier.classify(
            ApiCallTimeoutException.builder().message("took too long").build(), "Encrypt", KEY);
    assertThat(call).isInstanceOf(KeyUnavailableException.class);
    assertThat(call.reason()).isEqualTo(FailureReason.TIMEOUT);

    ProviderException read =
        AwsErrorClassifier.classify(
            SdkClientException.builder()
                .message("io")
                .cause(new SocketTimeoutException("Read timed out"))
                .build(),
            "Encrypt",
            KEY);
    assertThat(read.reason()).isEqualTo(FailureReason.TIMEOUT);
    assertThat(read.getCause()).isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void connectionFailuresAreUnavailableNetwork() {
    ProviderException p =
        AwsErrorClassifier.classify(
            SdkClientException.builder()
                .message("Unable to execute HTTP request")
                .cause(new ConnectException("Connection refused"))
                .build(),
            "GenerateDataKey",
            KEY);
    assertThat(p).isInstanceOf(KeyUnavailableException.class);
    assertThat(p.reason()).isEqualTo(FailureReason.NETWORK);
    assertThat(p.getMessage()).contains("Connection refused", KEY);
  }
}
