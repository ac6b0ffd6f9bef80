package dev.cmk.service.idempotency;

import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.store.Database;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Idempotency keys and their responses in the metadata database. */
public final class JdbcIdempotencyStore implements IdempotencyStore {
  private final Jdbi jdbi;

  public JdbcIdempotencyStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public boolean claim(String scope, String key, String requestHash, Instant at) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "insert into idempotency_keys (scope, idem_key, request_hash, status,"
                          + " response, created_at) values (:s, :k, :h, 0, '', :at)")
                  .bind("s", scope)
                  .bind("k", key)
                  .bind("h", requestHash)
                  .bind("at", ts(at))
                  .execute());
      return true;
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public Optional<Entry> find(String scope, String key) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select request_hash, status, response from idempotency_keys"
                        + " where scope = :s and idem_key = :k")
                .bind("s", scope)
                .bind("k", key)
                .map(
                    (rs, ctx) ->
                        new Entry(
                            rs.getString("request_hash"),
                            rs.getInt("status"),
                            rs.getString("response")))
                .findOne());
  }

  @Override
  public void complete(String scope, String key, int status, String response) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update idempotency_keys set status = :st, response = :r"
                        + " where scope = :s and idem_key = :k")
                .bind("s", scope)
                .bind("k", key)
                .bind("st", status)
                .bind("r", response)
                .execute());
  }

  @Override
  public boolean takeOverStale(
      String scope, String key, String requestHash, Instant staleBefore, Instant now) {
    // one statement: of two nodes taking over at once, the second finds created_at moved
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "update idempotency_keys set created_at = :now where scope = :s and"
                            + " idem_key = :k and status = 0 and request_hash = :h and"
                            + " created_at < :stale")
                    .bind("s", scope)
                    .bind("k", key)
                    .bind("h", requestHash)
                    .bind("now", ts(now))
                    .bind("stale", ts(staleBefore))
                    .execute())
        == 1;
  }

  @Override
  public void release(String scope, String key) {
    jdbi.useHandle(
        h ->
            h.createUpdate("delete from idempotency_keys where scope = :s and idem_key = :k")
                .bind("s", scope)
                .bind("k", key)
                .execute());
  }
}
