package dev.cmk.provider.azure;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.microsoft.aad.msal4j.MsalServiceException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Turns Azure SDK failures into the SPI's families by HTTP status and the Key Vault error body
 * {@code {"error":{"code":…,"message":…}}}.
 *
 * <p>Key Vault answers 403 both for a missing permission and for a disabled, expired or
 * not-yet-valid key; the message tells them apart. A corrupted ciphertext is a 400 on unwrapkey.
 *
 * <p><b>Security:</b> messages carry the operation, key identifier, Key Vault code and message;
 * never key bytes or tokens.
 */
final class AzureErrors {
  private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([^\"]{1,100})\"");
  private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"([^\"]{1,300})\"");

  /** OAuth 2.0 / Entra error codes of a token answer that refuse the client or its grant. */
  private static final Set<String> SIGN_IN_REFUSALS =
      Set.of(
          "invalid_client",
          "unauthorized_client",
          "invalid_grant",
          "invalid_request",
          "invalid_scope",
          "invalid_resource",
          "unsupported_grant_type",
          "access_denied",
          "consent_required",
          "interaction_required");

  /** Error codes of a token answer that say the identity platform is unwell. */
  private static final Set<String> SIGN_IN_OUTAGES =
      Set.of("server_error", "temporarily_unavailable");

  private AzureErrors() {}

  enum Op {
    GET_KEY,
    WRAP,
    UNWRAP
  }

  static ProviderException classify(RuntimeException e, Op op, String key) {
    if (e instanceof ProviderException p) {
      return p;
    }
    String what = op.name().toLowerCase(Locale.ROOT) + " with " + key;
    if (e instanceof HttpResponseException h && h.getResponse() != null) {
      return fromResponse(h, op, what);
    }
    // The sign-in's own answer first: the identity SDK may wrap it in a
    // ClientAuthenticationException, which alone says nothing about refused or unavailable.
    Optional<MsalServiceException> signIn = cause(e, MsalServiceException.class);
    if (signIn.isPresent()) {
      return fromSignIn(signIn.get(), what, e);
    }
    if (causedBy(e, SignInCheck.NoAccessTokenException.class)) {
      return new KeyUnavailableException(
          FailureReason.PROVIDER_ERROR,
          "SignIn:NoAccessToken",
          what + ": the identity platform's answer carried no access token",
          e);
    }
    if (causedBy(e, HttpTimeoutException.class) || causedBy(e, TimeoutException.class)) {
      return new KeyUnavailableException(FailureReason.TIMEOUT, "Timeout", what + ": timed out", e);
    }
    if (causedBy(e, ConnectException.class)
        || causedBy(e, UnknownHostException.class)
        || causedBy(e, IOException.class)
        || e instanceof UncheckedIOException) {
      return new KeyUnavailableException(
          FailureReason.NETWORK,
          "Network",
          what + ": cannot reach the vault or the identity platform",
          e);
    }
    if (causedBy(e, ClientAuthenticationException.class)) {
      return new KeyRefusedException(
          FailureReason.ACCESS_DENIED,
          "ClientAuthentication",
          what + ": no access token for the platform principal (" + e.getMessage() + ")",
          e);
    }
    return new KeyUnavailableException(
        FailureReason.PROVIDER_ERROR,
        e.getClass().getSimpleName(),
        what + ": " + e.getMessage(),
        e);
  }

  /**
   * The identity platform answered the token request (the SDK wraps MSAL's exception, not always in
   * a {@link ClientAuthenticationException}). 429 (and MSAL's own {@code throttled_request}, which
   * it raises without a call while an earlier {@code Retry-After} lasts) and 5xx are an outage, as
   * are {@code server_error} and {@code temporarily_unavailable}. A 4xx, or one of the OAuth codes
   * that refuse the client or its grant ({@code invalid_client} for a wrong or expired secret,
   * {@code unauthorized_client} for an unknown application, {@code invalid_grant}…), is the
   * platform's misconfiguration, refused so that fallback does not hide it; MSAL does not always
   * say the status, so the code decides then. Anything else (no status, an unknown code) is an
   * outage: refusing the key on an answer nobody understood would be the worse mistake.
   */
  private static ProviderException fromSignIn(
      MsalServiceException m, String what, RuntimeException e) {
    int status = m.statusCode() == null ? 0 : m.statusCode();
    String error = m.errorCode() == null ? "" : m.errorCode();
    String code = "SignIn:" + (m.errorCode() == null ? "HTTP" + status : m.errorCode());
    String detail =
        what
            + ": the platform principal's sign-in failed at the identity platform ("
            + code
            + (status == 0 ? "" : ", HTTP " + status)
            + "): "
            + firstLine(m.getMessage());
    if (status == 429 || error.equals("throttled_request")) {
      return new KeyUnavailableException(FailureReason.THROTTLED, code, detail, e);
    }
    if (status >= 500 || SIGN_IN_OUTAGES.contains(error)) {
      return new KeyUnavailableException(FailureReason.PROVIDER_ERROR, code, detail, e);
    }
    if ((status >= 400 && status < 500) || SIGN_IN_REFUSALS.contains(error)) {
      return new KeyRefusedException(
          FailureReason.ACCESS_DENIED,
          code,
          detail + "; check azure.tenantId, azure.clientId and the client secret",
          e);
    }
    return new KeyUnavailableException(FailureReason.PROVIDER_ERROR, code, detail, e);
  }

  private static String firstLine(@Nullable String message) {
    String m = String.valueOf(message).lines().findFirst().orElse("");
    return m.length() > 300 ? m.substring(0, 300) + "…" : m;
  }

  private static ProviderException fromResponse(HttpResponseException h, Op op, String what) {
    int status = h.getResponse().getStatusCode();
    String body = String.valueOf(h.getMessage());
    String code = first(CODE, body, "HTTP" + status);
    String message = first(MESSAGE, body, "");
    String detail =
        what + ": " + code + " (HTTP " + status + ")" + (message.isEmpty() ? "" : ": " + message);
    String lower = message.toLowerCase(Locale.ROOT);
    return switch (status) {
      case 400 ->
          op == Op.UNWRAP
              ? new BadCiphertextException(FailureReason.INVALID_CIPHERTEXT, code, detail, h)
              : refused(FailureReason.INVALID_KEY_USAGE, code, detail, h);
      case 401 -> refused(FailureReason.ACCESS_DENIED, code, detail, h);
      case 403 -> refused(forbiddenReason(lower), code, detail, h);
      case 404 -> refused(FailureReason.NOT_FOUND, code, detail, h);
      case 429 -> new KeyUnavailableException(FailureReason.THROTTLED, code, detail, h);
      default ->
          status >= 500 || status == 409
              ? new KeyUnavailableException(FailureReason.PROVIDER_ERROR, code, detail, h)
              : refused(FailureReason.INVALID_KEY_USAGE, code, detail, h);
    };
  }

  private static FailureReason forbiddenReason(String message) {
    if (message.contains("disabled")
        || message.contains("expired")
        || message.contains("not yet valid")) {
      return FailureReason.DISABLED;
    }
    if (message.contains("deleted") || message.contains("deletion")) {
      return FailureReason.PENDING_DELETION;
    }
    if (message.contains("not permitted") || message.contains("not allowed on this key")) {
      return FailureReason.INVALID_KEY_USAGE;
    }
    return FailureReason.ACCESS_DENIED;
  }

  private static KeyRefusedException refused(
      FailureReason reason, String code, String detail, HttpResponseException h) {
    return new KeyRefusedException(reason, code, detail, h);
  }

  private static String first(Pattern p, String text, String otherwise) {
    Matcher m = p.matcher(text);
    return m.find() ? m.group(1) : otherwise;
  }

  private static <T extends Throwable> Optional<T> cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return Optional.of(type.cast(c));
      }
    }
    return Optional.empty();
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }
}
