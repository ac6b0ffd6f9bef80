package dev.cmk.service.content;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.Texts;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.store.Database;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/** Causes of fallback writes in the metadata database ({@code fallback_writes}). */
public final class JdbcFallbackWrites implements FallbackWrites {
  private final Jdbi jdbi;

  public JdbcFallbackWrites(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public void record(Entry e) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "insert into fallback_writes (account_id, object_id, kek_id, cause, reason,"
                        + " provider_code, mode, at) values (:a, :o, :k, :c, :r, :p, :m, :at)")
                .bind("a", e.accountId())
                .bind("o", e.objectId())
                .bind("k", e.kekId())
                .bind("c", e.cause())
                .bind("r", Texts.abbreviate(e.reason(), 31))
                .bind("p", Texts.abbreviate(e.providerCode(), 99))
                .bind("m", e.mode().name())
                .bind("at", ts(e.at()))
                .execute());
  }

  @Override
  public Optional<Entry> find(String accountId, String objectId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from fallback_writes where account_id = :a and object_id = :o")
                .bind("a", accountId)
                .bind("o", objectId)
                .map(
                    (rs, ctx) ->
                        new Entry(
                            rs.getString("account_id"),
                            rs.getString("object_id"),
                            rs.getString("kek_id"),
                            rs.getString("cause"),
                            rs.getString("reason"),
                            rs.getString("provider_code"),
                            FallbackMode.valueOf(rs.getString("mode")),
                            instant(rs, "at")))
                .findOne());
  }
}
