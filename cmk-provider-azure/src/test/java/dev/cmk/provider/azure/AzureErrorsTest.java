package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.core.exception.ClientAuthenticationException;
import com.microsoft.aad.msal4j.MsalServiceException;
import com.microsoft.aad.msal4j.MsalThrottlingException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.azure.AzureErrors.Op;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sign-in failures as MSAL reports them without a status (which it does for some answers, e.g.
 * {@code invalid_grant}, and for its own throttling); {@link AzureClientSecretIT} covers the
 * answers of a real token endpoint.
 */
class AzureErrorsTest {
  private static ProviderException classify(Throwable cause) {
    return AzureErrors.classify(new RuntimeException("wrapped", cause), Op.WRAP, "kid");
  }

  @ParameterizedTest
  @ValueSource(strings = {"invalid_client", "unauthorized_client", "invalid_grant"})
  void aRefusingCodeWithoutAStatusIsAccessDenied(String code) {
    assertThat(classify(new MsalServiceException("AADSTS700016: no such application", code)))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
              assertThat(e.providerCode()).isEqualTo("SignIn:" + code);
            });
  }

  @Test
  void msalsOwnThrottlingIsThrottled() {
    assertThat(classify(new MsalThrottlingException(30_000)))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.THROTTLED));
  }

  @ParameterizedTest
  @ValueSource(strings = {"server_error", "temporarily_unavailable", "invalid_json", "unknown"})
  void anOutageCodeOrAnUnknownOneWithoutAStatusIsUnavailable(String code) {
    assertThat(classify(new MsalServiceException("AADSTS90033: transient", code)))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.PROVIDER_ERROR));
  }

  @Test
  void theSignInAnswerDecidesEvenWhenWrappedInAClientAuthenticationException() {
    assertThat(
            classify(
                new ClientAuthenticationException(
                    "token", null, new MsalServiceException("AADSTS90033", "server_error"))))
        .isInstanceOf(KeyUnavailableException.class);
    assertThat(
            classify(
                new ClientAuthenticationException("token", null, new ConnectException("refused"))))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.NETWORK));
    assertThat(classify(new ClientAuthenticationException("AADSTS7000215", null)))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED));
  }

  @Test
  void anAnswerWithoutAnAccessTokenIsUnavailable() {
    assertThat(classify(new SignInCheck.NoAccessTokenException()))
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            e -> assertThat(e.providerCode()).isEqualTo("SignIn:NoAccessToken"));
  }
}
