package dev.cmk.service.availability;

import static dev.cmk.service.store.Database.ts;

import org.jdbi.v3.core.Handle;

/**
 * Appends a row to {@code key_events} on the caller's handle, so that every store which records a
 * change and its event does both in one transaction (availability transitions, revocation, the
 * fallback switch, re-protection jobs).
 */
public final class KeyEventRows {
  private KeyEventRows() {}

  public static void insert(Handle h, KeyEvent e) {
    h.createUpdate(
            "insert into key_events (id, account_id, customer_key_id, kind, from_state, to_state,"
                + " cause, reason, source, detail, at)"
                + " values (:id, :a, :k, :kind, :f, :t, :c, :r, :src, :d, :at)")
        .bind("id", e.id())
        .bind("a", e.accountId())
        .bind("k", e.customerKeyId())
        .bind("kind", e.kind())
        .bind("f", e.fromState())
        .bind("t", e.toState())
        .bind("c", e.cause().name())
        .bind("r", e.reason())
        .bind("src", e.source())
        .bind("d", e.detail())
        .bind("at", ts(e.at()))
        .execute();
  }
}
