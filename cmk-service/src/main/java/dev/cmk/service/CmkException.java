package dev.cmk.service;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A failure the service reports to its caller: a stable {@link ErrorCode}, a message a person can
 * act on, and optional structured details (e.g. which key, which reason).
 *
 * <p><b>Security:</b> messages and details never contain key material or content.
 */
public final class CmkException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ErrorCode code;
  private final transient Map<String, Object> details;

  public CmkException(ErrorCode code, String message) {
    this(code, message, Map.of(), null);
  }

  public CmkException(ErrorCode code, String message, Map<String, Object> details) {
    this(code, message, details, null);
  }

  public CmkException(
      ErrorCode code, String message, Map<String, Object> details, @Nullable Throwable cause) {
    super(message, cause);
    this.code = code;
    this.details = Map.copyOf(details);
  }

  /** Never null: every constructor takes a message. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  public ErrorCode code() {
    return code;
  }

  public Map<String, Object> details() {
    return details;
  }
}
