package dev.cmk.service.coverage;

import dev.cmk.service.store.Database;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Coverage counts by aggregate queries over {@code objects} and {@code keks}. */
public final class JdbcCoverageStore implements CoverageStore {
  private static final RowMapper<Group> GROUP =
      (rs, ctx) ->
          new Group(
              rs.getString("protection"),
              rs.getString("asset_type"),
              rs.getString("root_provider"),
              rs.getString("root_key_id"),
              rs.getLong("n"),
              rs.getLong("b"));

  private final Jdbi jdbi;

  public JdbcCoverageStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public List<Group> groups(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select o.protection, o.asset_type, k.root_provider, k.root_key_id,"
                        + " count(*) as n, coalesce(sum(o.plaintext_size), 0) as b"
                        + " from objects o join keks k on k.id = o.kek_id"
                        + " where o.account_id = :a"
                        + " group by o.protection, o.asset_type, k.root_provider, k.root_key_id"
                        + " order by o.protection, o.asset_type, k.root_provider, k.root_key_id")
                .bind("a", accountId)
                .map(GROUP)
                .list());
  }

  @Override
  public Count backfillable(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select count(*) as n, coalesce(sum(o.plaintext_size), 0) as b from objects o"
                        + " join asset_types t on t.name = o.asset_type"
                        + " join users u on u.account_id = o.account_id"
                        + " and u.user_id = o.owner_user_id"
                        + " where o.account_id = :a and o.protection = 'PLATFORM'"
                        + " and t.cmk_eligible = true and u.cmk_licensed = true")
                .bind("a", accountId)
                .map((rs, ctx) -> new Count(rs.getLong("n"), rs.getLong("b")))
                .one());
  }

  @Override
  public List<Group> totalsByProtection() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select protection, '' as asset_type, '' as root_provider, '' as root_key_id,"
                        + " count(*) as n, coalesce(sum(plaintext_size), 0) as b"
                        + " from objects group by protection")
                .map(GROUP)
                .list());
  }
}
