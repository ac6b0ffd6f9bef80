package dev.cmk.service.blob;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import org.jspecify.annotations.Nullable;

/**
 * The blob store refused the node's identity (S3 403, a directory without write permission): a
 * deployment's permissions need fixing; retrying does not help.
 */
public final class BlobStoreAccessDeniedException extends BlobStoreException {
  private static final long serialVersionUID = 1L;

  public BlobStoreAccessDeniedException(
      Operation operation, String message, @Nullable Throwable cause) {
    super(operation, message, cause);
  }

  @Override
  public CmkException toServiceError() {
    return serviceError(
        ErrorCode.BLOB_STORE_ACCESS_DENIED,
        "content storage refused this node's credentials; an operator must fix its permissions");
  }
}
