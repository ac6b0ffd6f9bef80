package dev.cmk.service.kek;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.store.Database;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Wrapped KEKs in the metadata database. */
public final class JdbcKekStore implements KekStore {
  private static final RowMapper<Kek> KEK =
      (rs, ctx) ->
          new Kek(
              rs.getString("id"),
              rs.getString("account_id"),
              rs.getString("service_id"),
              rs.getString("period"),
              Protection.valueOf(rs.getString("protection")),
              KeyRef.of(rs.getString("root_provider"), rs.getString("root_key_id")),
              rs.getBytes("wrapped"),
              instant(rs, "created_at"),
              rs.getInt("context_version"));

  private final Jdbi jdbi;

  public JdbcKekStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public Kek insertIfAbsent(Kek k) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "insert into keks (id, account_id, service_id, period, protection,"
                          + " root_provider, root_key_id, wrapped, created_at, context_version)"
                          + " values (:id, :a, :s, :p, :prot, :rp, :rk, :w, :c, :cv)")
                  .bind("cv", k.contextVersion())
                  .bind("id", k.id())
                  .bind("a", k.accountId())
                  .bind("s", k.serviceId())
                  .bind("p", k.period())
                  .bind("prot", k.protection().name())
                  .bind("rp", k.root().provider())
                  .bind("rk", k.root().keyId())
                  .bind("w", k.wrapped())
                  .bind("c", ts(k.createdAt()))
                  .execute());
      return k;
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return findByScope(k.scope()).orElseThrow(() -> e);
      }
      throw e;
    }
  }

  @Override
  public Optional<Kek> find(String kekId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from keks where id = :id")
                .bind("id", kekId)
                .map(KEK)
                .findOne());
  }

  @Override
  public Optional<Kek> findByScope(Kek.Scope s) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from keks where account_id = :a and service_id = :s and period = :p"
                        + " and protection = :prot and root_provider = :rp and root_key_id = :rk"
                        + " and scope_tag = ''")
                .bind("a", s.accountId())
                .bind("s", s.serviceId())
                .bind("p", s.period())
                .bind("prot", s.protection().name())
                .bind("rp", s.root().provider())
                .bind("rk", s.root().keyId())
                .map(KEK)
                .findOne());
  }
}
