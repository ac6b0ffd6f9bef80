package dev.cmk.service.audit;

import java.util.function.Supplier;

/**
 * The one way the service records what happened: every key use and every change is appended to the
 * account's hash-chained audit log (DESIGN.md flow 9, record format in AUDIT.md).
 *
 * <p>Appends for one account are serialized, so its chain never forks. {@link #record} called
 * inside {@link #inTransaction} commits or rolls back together with the change made there; called
 * elsewhere it commits on its own, which is how a refused or failed operation still leaves a row.
 *
 * <p>Every audited service takes its log as a required constructor argument, and there is
 * deliberately no "drop everything" implementation in the production code: a composition root
 * cannot build a service that silently audits nothing. Tests use a fake of their own.
 *
 * <p><b>Security:</b> an event never carries key material, plaintext, token secrets or search
 * terms.
 */
public interface AuditLog {
  /** Appends {@code event} to its account's chain. */
  void record(AuditEvent event);

  /**
   * Appends {@code event} as the outcome of {@code failure} (see {@link AuditEvent#failedWith}). If
   * the append fails too, that is attached to {@code failure} as suppressed, so the caller still
   * sees the error that decided the operation.
   */
  default void recordFailure(AuditEvent event, RuntimeException failure) {
    try {
      record(event.failedWith(failure));
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
    }
  }

  /** Runs {@code change} in one database transaction together with the events it records. */
  <T> T inTransaction(Supplier<T> change);

  /**
   * Like {@link #inTransaction}, but the transaction may be shared with concurrent callers (group
   * commit): {@code change} must touch only the database, may run twice (the first run rolled
   * back), and returns once its transaction committed. For high-rate changes such as content
   * writes.
   */
  default <T> T inSharedTransaction(Supplier<T> change) {
    return inTransaction(change);
  }
}
