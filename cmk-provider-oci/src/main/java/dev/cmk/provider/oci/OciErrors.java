package dev.cmk.provider.oci;

import com.oracle.bmc.model.BmcException;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns OCI SDK failures into the SPI's families, by HTTP status and OCI error code.
 *
 * <p>OCI answers 404 {@code NotAuthorizedOrNotFound} both for a missing key and for a key the
 * principal may not see; that is reported as {@code NOT_FOUND} with a message saying both are
 * possible. A tampered or foreign ciphertext is a 400 {@code InvalidParameter} on decrypt.
 *
 * <p><b>Security:</b> messages carry the operation, key OCID, OCI code, status and request id.
 */
final class OciErrors {
  private static final int MAX_SERVICE_MESSAGE = 200;

  private OciErrors() {}

  enum Op {
    ENCRYPT,
    DECRYPT,
    GENERATE_DATA_KEY,
    GET_KEY
  }

  static ProviderException classify(RuntimeException e, Op op, OciKeyId key) {
    Optional<ProviderException> ours = ownCause(e);
    if (ours.isPresent()) {
      return ours.get();
    }
    String what = op.name().toLowerCase(Locale.ROOT) + " with OCI key " + key.keyOcid();
    if (!(e instanceof BmcException b)) {
      return new KeyUnavailableException(
          FailureReason.NETWORK, e.getClass().getSimpleName(), what + ": " + e.getMessage(), e);
    }
    String code = b.getServiceCode() == null ? "Unknown" : b.getServiceCode();
    String detail = what + ": " + code + " (HTTP " + b.getStatusCode() + ")" + serviceMessage(b);
    if (causedBy(b, java.net.ConnectException.class)
        || causedBy(b, java.net.UnknownHostException.class)) {
      return new KeyUnavailableException(
          FailureReason.NETWORK, "ConnectFailed", what + ": cannot connect to the vault", b);
    }
    if (b.isTimeout()) {
      return new KeyUnavailableException(FailureReason.TIMEOUT, "Timeout", what + ": timed out", b);
    }
    int status = b.getStatusCode();
    if (b.isClientSide() || status <= 0) {
      return new KeyUnavailableException(FailureReason.NETWORK, code, detail, b);
    }
    return switch (status) {
      case 400 ->
          op == Op.DECRYPT
              ? new BadCiphertextException(
                  FailureReason.INVALID_CIPHERTEXT,
                  code,
                  what + ": the wrapped key or its associated data does not match (" + code + ")",
                  b)
              : refused(FailureReason.INVALID_KEY_USAGE, code, detail, b);
      case 401, 403 -> refused(FailureReason.ACCESS_DENIED, code, detail, b);
      case 404 ->
          refused(
              FailureReason.NOT_FOUND,
              code,
              detail + "; the key does not exist or the platform principal may not use it",
              b);
      case 409 ->
          refused(
              isDeletion(b) ? FailureReason.PENDING_DELETION : FailureReason.DISABLED,
              code,
              detail,
              b);
      case 429 -> new KeyUnavailableException(FailureReason.THROTTLED, code, detail, b);
      default ->
          status >= 500
              ? new KeyUnavailableException(FailureReason.PROVIDER_ERROR, code, detail, b)
              : refused(FailureReason.INVALID_KEY_USAGE, code, detail, b);
    };
  }

  private static KeyRefusedException refused(
      FailureReason reason, String code, String detail, BmcException b) {
    return new KeyRefusedException(reason, code, detail, b);
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /** A refusal of ours (e.g. the API key file) raised inside the SDK and wrapped by it. */
  private static Optional<ProviderException> ownCause(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ProviderException p) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  private static boolean isDeletion(BmcException b) {
    String m = message(b).toLowerCase(Locale.ROOT);
    return m.contains("deletion") || m.contains("deleted");
  }

  /** The service's own message (the SDK's getMessage adds a prefix and the request id). */
  private static String message(BmcException b) {
    for (String m : new String[] {b.getOriginalMessage(), b.getUnmodifiedMessage()}) {
      if (m != null && !m.isBlank()) {
        return m;
      }
    }
    return String.valueOf(b.getMessage());
  }

  private static String serviceMessage(BmcException b) {
    String m = message(b);
    if (m.isBlank()) {
      return "";
    }
    String requestId =
        b.getOpcRequestId() == null ? "" : " [opc-request-id " + b.getOpcRequestId() + "]";
    return ": "
        + (m.length() > MAX_SERVICE_MESSAGE ? m.substring(0, MAX_SERVICE_MESSAGE) + "…" : m)
        + requestId;
  }
}
