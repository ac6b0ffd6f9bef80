package dev.cmk.service.audit;

import java.util.Set;

/** The action names of audit records: a public contract, never renamed or reused. */
public final class Actions {
  private Actions() {}

  public static final String CONTENT_WRITE = "content.write";
  public static final String CONTENT_READ = "content.read";
  public static final String SEARCH_INDEX = "search.index";
  public static final String SEARCH_REMOVE = "search.remove";
  public static final String SEARCH_QUERY = "search.query";
  public static final String SESSION_OPEN = "session.open";
  public static final String KEY_REGISTER = "key.register";
  public static final String KEY_VALIDATE = "key.validate";
  public static final String KEY_ROTATE = "key.rotate";
  public static final String KEY_REVOKE = "key.revoke";
  public static final String KEY_STATE = "key.state";
  public static final String KEY_DELETE = "key.delete";

  /** An admin lifted a revoke-now: the account's customer-key content is served again. */
  public static final String KEY_REVOKE_LIFT = "key.revoke_lift";

  public static final String ACCOUNT_CREATE = "account.create";
  public static final String ACCOUNT_UPDATE = "account.update";
  public static final String FALLBACK = "account.fallback";
  public static final String SEARCH_ENCRYPTION = "account.search_encryption";
  public static final String DROP_CALLS = "account.drop_calls";
  public static final String RECOVERY_MODE = "account.recovery_mode";
  public static final String CATALOG_ADD = "catalog.add";
  public static final String LICENSE_GRANT = "license.grant";
  public static final String LICENSE_REVOKE = "license.revoke";
  public static final String TOKEN_ISSUE = "token.issue";
  public static final String TOKEN_REVOKE = "token.revoke";
  public static final String JOB_START = "job.start";
  public static final String JOB_FINISH = "job.finish";

  /** An admin (or operator) asked for a backfill: who, with which mode and filters, which job. */
  public static final String JOB_BACKFILL = "job.backfill";

  public static final String AUDIT_EXPORT = "audit.export";
  public static final String AUDIT_KEY_USAGE = "audit.key_usage";
  public static final String AUDIT_ARCHIVE = "audit.archive";
  public static final String AUDIT_ARCHIVE_LIST = "audit.archive_list";
  public static final String AUDIT_ARCHIVE_READ = "audit.archive_read";

  /**
   * An account's webhooks (issue 20): created (host and event filter), deleted, a delivery resent.
   */
  public static final String WEBHOOK_CREATE = "webhook.create";

  public static final String WEBHOOK_DELETE = "webhook.delete";
  public static final String WEBHOOK_RESEND = "webhook.resend";

  /** Uses of a key on content or the search index: the rows of the key-usage report. */
  public static final Set<String> KEY_USES =
      Set.of(CONTENT_WRITE, CONTENT_READ, SEARCH_INDEX, SEARCH_REMOVE, SEARCH_QUERY, SESSION_OPEN);

  /**
   * Reads of the audit log itself (export, key-usage report, archive listing and segment download),
   * recorded after the read.
   */
  public static final Set<String> AUDIT_READS =
      Set.of(AUDIT_EXPORT, AUDIT_KEY_USAGE, AUDIT_ARCHIVE_LIST, AUDIT_ARCHIVE_READ);
}
