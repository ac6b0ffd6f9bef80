package dev.cmk.service;

/**
 * Stable error codes of the service. The string form is a public contract of the API: clients
 * switch on it, so a code is never renamed or reused.
 */
public enum ErrorCode {
  INVALID_REQUEST("invalid_request", Kind.INVALID),
  INVALID_ID("invalid_id", Kind.INVALID),
  INVALID_KEY_ID("invalid_key_id", Kind.INVALID),
  EMPTY_BODY("empty_body", Kind.INVALID),
  CONTENT_TOO_LARGE("content_too_large", Kind.TOO_LARGE),
  ACCOUNT_NOT_FOUND("account_not_found", Kind.NOT_FOUND),
  ASSET_TYPE_NOT_FOUND("asset_type_not_found", Kind.NOT_FOUND),
  USER_NOT_FOUND("user_not_found", Kind.NOT_FOUND),
  OBJECT_NOT_FOUND("object_not_found", Kind.NOT_FOUND),
  KEY_NOT_FOUND("key_not_found", Kind.NOT_FOUND),
  TOKEN_NOT_FOUND("token_not_found", Kind.NOT_FOUND),
  UNKNOWN_PROVIDER("unknown_provider", Kind.INVALID),
  KEY_VALIDATION_FAILED("key_validation_failed", Kind.CONFLICT),
  CONFLICT("conflict", Kind.CONFLICT),
  IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", Kind.CONFLICT),
  KEY_UNAVAILABLE("key_unavailable", Kind.UNAVAILABLE),
  KEY_REFUSED("key_refused", Kind.REFUSED),
  /** The provider refused the search service's standing grant; nothing was changed. */
  SEARCH_GRANT_REFUSED("search_grant_refused", Kind.REFUSED),
  DECRYPTION_FAILED("decryption_failed", Kind.DECRYPTION_FAILED),
  /** The blob store (directory or S3) cannot be reached or is failing; retry later. */
  BLOB_STORE_UNAVAILABLE("blob_store_unavailable", Kind.UNAVAILABLE),
  /** The blob store refuses the node's credentials: a deployment problem, not the caller's. */
  BLOB_STORE_ACCESS_DENIED("blob_store_access_denied", Kind.UNAVAILABLE),
  ALREADY_REVOKED("already_revoked", Kind.CONFLICT),
  JOB_NOT_FOUND("job_not_found", Kind.NOT_FOUND),
  JOB_IN_PROGRESS("job_in_progress", Kind.CONFLICT),
  ROTATION_IN_PROGRESS("rotation_in_progress", Kind.CONFLICT),
  NO_ACTIVE_KEY("no_active_key", Kind.CONFLICT),
  /** A backfill found no object to move; no job was created. */
  NOTHING_TO_BACKFILL("nothing_to_backfill", Kind.CONFLICT),
  SESSION_NOT_FOUND("session_not_found", Kind.NOT_FOUND),
  AUDIT_SEGMENT_NOT_FOUND("audit_segment_not_found", Kind.NOT_FOUND),
  /**
   * The account is revoked (revoke now): its customer-key content, writes and sessions are refused
   * on every node, whatever the KMS answers, until an admin lifts the revocation.
   */
  KEY_REVOKED("key_revoked", Kind.REFUSED),
  /**
   * A change that a revoked account cannot make (e.g. fallback on) until the revocation is lifted.
   */
  ACCOUNT_REVOKED("account_revoked", Kind.CONFLICT),
  /** Lifting a revocation of an account that is not revoked; nothing was changed. */
  NOT_REVOKED("not_revoked", Kind.CONFLICT),
  UNAUTHENTICATED("unauthenticated", Kind.UNAUTHENTICATED),
  FORBIDDEN("forbidden", Kind.FORBIDDEN),
  INTERNAL("internal_error", Kind.INTERNAL),
  /** A JSON route was sent another media type (text/plain, XML, a form, multipart). */
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", Kind.UNSUPPORTED_MEDIA_TYPE),
  /** Too many uploads in flight for this token; retry after the Retry-After seconds. */
  TOO_MANY_UPLOADS("too_many_uploads", Kind.TOO_MANY),
  /** The node has as many uploads in flight as it takes; retry after the Retry-After seconds. */
  SERVER_BUSY("server_busy", Kind.UNAVAILABLE),
  /**
   * The metadata database cannot be reached (down, restarting, pool exhausted); retry after the
   * Retry-After seconds. A write that failed this way at its commit may or may not have been
   * applied: retried with the same object id or Idempotency-Key, it is applied once.
   */
  DATABASE_UNAVAILABLE("database_unavailable", Kind.UNAVAILABLE),
  /** The request (e.g. a content upload) took longer than the node allows. */
  REQUEST_TIMEOUT("request_timeout", Kind.TIMEOUT),
  /** The key is registered to another CMK account; says nothing about which. */
  KEY_REGISTERED_ELSEWHERE("key_registered_elsewhere", Kind.CONFLICT),
  /** Another key is active: changing it is a rotation (POST …/rotate), never a silent swap. */
  ROTATION_REQUIRED("rotation_required", Kind.CONFLICT),
  /** The registration still protects content (or is active); pass force=true to delete anyway. */
  KEY_IN_USE("key_in_use", Kind.CONFLICT),
  /** A development-only action while the local provider is not enabled. */
  LOCAL_PROVIDER_DISABLED("local_provider_disabled", Kind.CONFLICT),
  /** A streamed request body ended early or could not be read (the client went away). */
  BODY_INCOMPLETE("body_incomplete", Kind.INVALID),
  /** A webhook URL that is not https, redirects, or resolves to a private or loopback address. */
  INVALID_WEBHOOK_URL("invalid_webhook_url", Kind.INVALID),
  WEBHOOK_NOT_FOUND("webhook_not_found", Kind.NOT_FOUND),
  DELIVERY_NOT_FOUND("delivery_not_found", Kind.NOT_FOUND);

  /** What kind of failure a code is; the HTTP layer maps kinds to status codes. */
  public enum Kind {
    INVALID,
    TOO_LARGE,
    NOT_FOUND,
    CONFLICT,
    UNAVAILABLE,
    REFUSED,
    DECRYPTION_FAILED,
    UNAUTHENTICATED,
    FORBIDDEN,
    INTERNAL,
    UNSUPPORTED_MEDIA_TYPE,
    TOO_MANY,
    TIMEOUT
  }

  private final String code;
  private final Kind kind;

  ErrorCode(String code, Kind kind) {
    this.code = code;
    this.kind = kind;
  }

  public String code() {
    return code;
  }

  public Kind kind() {
    return kind;
  }
}
