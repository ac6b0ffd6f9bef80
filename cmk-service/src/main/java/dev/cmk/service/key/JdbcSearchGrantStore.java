package dev.cmk.service.key;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.Texts;
import dev.cmk.service.store.Database;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** The search service's standing grants in the metadata database. */
public final class JdbcSearchGrantStore implements SearchGrantStore {
  private static final RowMapper<SearchGrant> GRANT =
      (rs, ctx) ->
          new SearchGrant(
              rs.getString("id"),
              rs.getString("account_id"),
              rs.getString("customer_key_id"),
              rs.getString("provider"),
              rs.getString("key_id"),
              rs.getString("region"),
              rs.getBoolean("replica"),
              rs.getString("grant_name"),
              rs.getString("grant_id"),
              SearchGrant.Status.valueOf(rs.getString("status")),
              rs.getString("last_error"),
              instant(rs, "created_at"),
              instant(rs, "updated_at"));

  private final Jdbi jdbi;

  public JdbcSearchGrantStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public boolean insert(SearchGrant g) {
    try {
      jdbi.useHandle(
          h ->
              h.createUpdate(
                      "insert into search_grants (id, account_id, customer_key_id, provider,"
                          + " key_id, region, replica, grant_name, grant_id, status, last_error,"
                          + " created_at, updated_at) values (:id, :a, :ck, :p, :k, :r, :rep, :n,"
                          + " :g, :s, :e, :c, :u)")
                  .bind("id", g.id())
                  .bind("a", g.accountId())
                  .bind("ck", g.customerKeyId())
                  .bind("p", g.provider())
                  .bind("k", g.keyId())
                  .bind("r", g.region())
                  .bind("rep", g.replica())
                  .bind("n", g.grantName())
                  .bind("g", g.grantId())
                  .bind("s", g.status().name())
                  .bind("e", Texts.abbreviate(g.lastError(), 480))
                  .bind("c", ts(g.createdAt()))
                  .bind("u", ts(g.updatedAt()))
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
  public void update(SearchGrant g) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update search_grants set status = :s, grant_id = :g, last_error = :e,"
                        + " updated_at = :u where id = :id")
                .bind("id", g.id())
                .bind("s", g.status().name())
                .bind("g", g.grantId())
                .bind("e", Texts.abbreviate(g.lastError(), 480))
                .bind("u", ts(g.updatedAt()))
                .execute());
  }

  @Override
  public void delete(String id) {
    jdbi.useHandle(
        h -> h.createUpdate("delete from search_grants where id = :id").bind("id", id).execute());
  }

  @Override
  public List<SearchGrant> listForAccount(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from search_grants where account_id = :a"
                        + " order by created_at, replica, key_id")
                .bind("a", accountId)
                .map(GRANT)
                .list());
  }

  @Override
  public List<String> accountsWithGrants() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select distinct account_id from search_grants order by account_id")
                .mapTo(String.class)
                .list());
  }

  @Override
  public boolean wrapsKeks(String accountId, String provider, String rootKeyId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                        "select count(*) from keks where account_id = :a and root_provider = :p"
                            + " and root_key_id = :k")
                    .bind("a", accountId)
                    .bind("p", provider)
                    .bind("k", rootKeyId)
                    .mapTo(Long.class)
                    .one()
                > 0);
  }
}
