package dev.cmk.blob.s3;

import dev.cmk.service.blob.BlobStoreAccessDeniedException;
import dev.cmk.service.blob.BlobStoreException;
import dev.cmk.service.blob.BlobStoreException.Operation;
import dev.cmk.service.blob.BlobStoreUnavailableException;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns every SDK failure into one of the blob store's two families, once, at the module's edge:
 * the node's identity refused (401/403 and the credential error codes) is access denied; everything
 * else (network, timeouts, 5xx, throttling, and the configuration errors the start-up check
 * reports) is unavailable. The message names the location, the S3 error code and request id, never
 * credentials.
 */
final class S3Errors {
  private static final Set<String> DENIED =
      Set.of(
          "AccessDenied",
          "AllAccessDisabled",
          "InvalidAccessKeyId",
          "SignatureDoesNotMatch",
          "ExpiredToken",
          "InvalidToken",
          "TokenRefreshRequired",
          "KMS.AccessDeniedException",
          "KMS.DisabledException");

  private S3Errors() {}

  static BlobStoreException classify(Operation op, String what, SdkException e) {
    if (e instanceof AwsServiceException s) {
      String code = s.awsErrorDetails() == null ? "" : s.awsErrorDetails().errorCode();
      String message =
          what
              + ": S3 answered "
              + s.statusCode()
              + " "
              + (code == null || code.isEmpty() ? "(no code)" : code)
              + " (request id "
              + s.requestId()
              + ")";
      boolean denied = s.statusCode() == 401 || s.statusCode() == 403 || DENIED.contains(code);
      return denied && !s.isThrottlingException()
          ? new BlobStoreAccessDeniedException(op, message, e)
          : new BlobStoreUnavailableException(op, message, e);
    }
    // network, timeouts, no credentials found: the SDK's message names no secret
    return new BlobStoreUnavailableException(op, what + ": " + e.getMessage(), e);
  }
}
