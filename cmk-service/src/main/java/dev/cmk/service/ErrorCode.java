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
  UNAUTHENTICATED("unauthenticated", Kind.UNAUTHENTICATED),
  FORBIDDEN("forbidden", Kind.FORBIDDEN),
  /** A streamed request body ended early or could not be read (the client went away). */
  BODY_INCOMPLETE("body_incomplete", Kind.INVALID),
  INTERNAL("internal_error", Kind.INTERNAL);

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
    INTERNAL
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
