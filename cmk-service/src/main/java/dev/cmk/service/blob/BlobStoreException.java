package dev.cmk.service.blob;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A blob store failure, classified the way its caller decides: {@link
 * BlobStoreUnavailableException} (retry later) or {@link BlobStoreAccessDeniedException} (an
 * operator fixes permissions). The message is for the operator's log (store, key, the store's own
 * error code); {@link #toServiceError()} is what an API client sees.
 *
 * <p><b>Security:</b> messages never contain credentials or content.
 */
public abstract sealed class BlobStoreException extends RuntimeException
    permits BlobStoreUnavailableException, BlobStoreAccessDeniedException {
  private static final long serialVersionUID = 1L;

  /** What the caller was doing. */
  public enum Operation {
    PUT,
    GET,
    DELETE,
    CHECK
  }

  private final Operation operation;

  BlobStoreException(Operation operation, String message, @Nullable Throwable cause) {
    super(message, cause);
    this.operation = operation;
  }

  public Operation operation() {
    return operation;
  }

  /** The stable API error: 503 with a code of its own and no detail of the store's internals. */
  public abstract CmkException toServiceError();

  String outcome() {
    return switch (operation) {
      case PUT -> "content was not stored";
      case GET -> "content cannot be read now";
      case DELETE -> "content was not deleted";
      case CHECK -> "content storage is not usable";
    };
  }

  CmkException serviceError(ErrorCode code, String why) {
    return new CmkException(
        code,
        why + "; " + outcome(),
        Map.of("operation", operation.name().toLowerCase(Locale.ROOT)),
        this);
  }
}
