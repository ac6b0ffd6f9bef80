package dev.cmk.provider.aws;

import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import java.io.InterruptedIOException;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Translates every AWS SDK failure into the SPI's three families, once, at the module boundary.
 *
 * <ul>
 *   <li>refused: DisabledException, KMSInvalidStateException, NotFoundException,
 *       AccessDeniedException / KMSAccessDeniedException (and credential errors), key-usage errors
 *   <li>unavailable: ThrottlingException, LimitExceededException, HTTP 5xx and KMS internal errors,
 *       connect and read timeouts, connection failures
 *   <li>bad ciphertext: InvalidCiphertextException, IncorrectKeyException
 * </ul>
 *
 * Other 4xx answers (a request KMS considers invalid) are refused with {@code INVALID_KEY_USAGE}:
 * retrying cannot help and falling back would hide a misconfiguration.
 *
 * <p>The SDK exception is not kept as the cause, so no SDK type escapes this module; its code,
 * message and request id are in the message.
 *
 * <p><b>Security:</b> messages carry the operation, key ARN, AWS error code, AWS message and
 * request id; never request or response bodies.
 */
final class AwsErrorClassifier {
  private static final Map<String, FailureReason> REFUSED =
      Map.ofEntries(
          Map.entry("DisabledException", FailureReason.DISABLED),
          Map.entry("KMSInvalidStateException", FailureReason.PENDING_DELETION),
          Map.entry("NotFoundException", FailureReason.NOT_FOUND),
          Map.entry("AccessDeniedException", FailureReason.ACCESS_DENIED),
          Map.entry("KMSAccessDeniedException", FailureReason.ACCESS_DENIED),
          Map.entry("KMSAccessDenied", FailureReason.ACCESS_DENIED),
          Map.entry("UnrecognizedClientException", FailureReason.ACCESS_DENIED),
          Map.entry("InvalidSignatureException", FailureReason.ACCESS_DENIED),
          Map.entry("ExpiredTokenException", FailureReason.ACCESS_DENIED),
          Map.entry("InvalidKeyUsageException", FailureReason.INVALID_KEY_USAGE),
          Map.entry("UnsupportedOperationException", FailureReason.INVALID_KEY_USAGE));

  private static final Map<String, FailureReason> UNAVAILABLE =
      Map.ofEntries(
          Map.entry("ThrottlingException", FailureReason.THROTTLED),
          Map.entry("Throttling", FailureReason.THROTTLED),
          Map.entry("LimitExceededException", FailureReason.THROTTLED),
          Map.entry("TooManyRequestsException", FailureReason.THROTTLED),
          Map.entry("RequestLimitExceeded", FailureReason.THROTTLED),
          Map.entry("DependencyTimeoutException", FailureReason.TIMEOUT),
          Map.entry("KMSInternalException", FailureReason.PROVIDER_ERROR),
          Map.entry("KeyUnavailableException", FailureReason.PROVIDER_ERROR),
          Map.entry("ServiceUnavailable", FailureReason.PROVIDER_ERROR),
          Map.entry("ServiceUnavailableException", FailureReason.PROVIDER_ERROR),
          Map.entry("InternalFailure", FailureReason.PROVIDER_ERROR));

  private static final Map<String, FailureReason> BAD_CIPHERTEXT =
      Map.of(
          "InvalidCiphertextException", FailureReason.INVALID_CIPHERTEXT,
          "IncorrectKeyException", FailureReason.INVALID_CIPHERTEXT);

  private AwsErrorClassifier() {}

  /** The SPI exception for a failed {@code operation} on {@code keyArn}. */
  static ProviderException classify(SdkException e, String operation, String keyArn) {
    if (e instanceof AwsServiceException s) {
      return service(s, operation, keyArn);
    }
    return client(e, operation, keyArn);
  }

  private static ProviderException service(AwsServiceException e, String op, String key) {
    String code = errorCode(e);
    int status = e.statusCode();
    String msg = describe(op, key, code, status, e);
    if (BAD_CIPHERTEXT.containsKey(code)) {
      return new BadCiphertextException(BAD_CIPHERTEXT.get(code), code, msg);
    }
    if (REFUSED.containsKey(code)) {
      return new KeyRefusedException(REFUSED.get(code), code, msg);
    }
    if (UNAVAILABLE.containsKey(code)) {
      return new KeyUnavailableException(UNAVAILABLE.get(code), code, msg);
    }
    if (status == 429 || e.isThrottlingException()) {
      return new KeyUnavailableException(FailureReason.THROTTLED, code, msg);
    }
    if (status >= 500 || status == 0) {
      return new KeyUnavailableException(FailureReason.PROVIDER_ERROR, code, msg);
    }
    if (status == 401 || status == 403) {
      return new KeyRefusedException(FailureReason.ACCESS_DENIED, code, msg);
    }
    return new KeyRefusedException(FailureReason.INVALID_KEY_USAGE, code, msg);
  }

  private static ProviderException client(SdkException e, String op, String key) {
    boolean timeout =
        e instanceof ApiCallTimeoutException
            || e instanceof ApiCallAttemptTimeoutException
            || e instanceof AbortedException
            || hasCause(e, InterruptedIOException.class);
    FailureReason reason = timeout ? FailureReason.TIMEOUT : FailureReason.NETWORK;
    String code = timeout ? "Timeout" : "NetworkError";
    Throwable root = root(e);
    String msg =
        "AWS KMS "
            + op
            + " on "
            + key
            + " got no answer ("
            + code
            + "): "
            + root.getClass().getSimpleName()
            + ": "
            + root.getMessage();
    // Only a JDK root cause is kept, so no SDK type escapes the module.
    Throwable cause = root.getClass().getName().startsWith("java.") ? root : null;
    return new KeyUnavailableException(reason, code, msg, cause);
  }

  private static String errorCode(AwsServiceException e) {
    if (e.awsErrorDetails() != null && e.awsErrorDetails().errorCode() != null) {
      return e.awsErrorDetails().errorCode();
    }
    return "HTTP" + e.statusCode();
  }

  private static String describe(
      String op, String key, String code, int status, AwsServiceException e) {
    String awsMessage =
        e.awsErrorDetails() != null && e.awsErrorDetails().errorMessage() != null
            ? e.awsErrorDetails().errorMessage()
            : "";
    return String.format(
        Locale.ROOT,
        "AWS KMS %s on %s failed: %s (HTTP %d) %s [request id %s]",
        op,
        key,
        code,
        status,
        awsMessage,
        e.requestId());
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static Throwable root(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c;
  }
}
