package dev.cmk.service.blob;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import org.jspecify.annotations.Nullable;

/**
 * The blob store could not serve the call now: unreachable, timed out, a server error, throttling,
 * or a local I/O error. Safe to retry later.
 */
public final class BlobStoreUnavailableException extends BlobStoreException {
  private static final long serialVersionUID = 1L;

  public BlobStoreUnavailableException(
      Operation operation, String message, @Nullable Throwable cause) {
    super(operation, message, cause);
  }

  @Override
  public CmkException toServiceError() {
    return serviceError(
        ErrorCode.BLOB_STORE_UNAVAILABLE, "content storage is unavailable; try again later");
  }
}
