package dev.cmk.service.key;

import dev.cmk.service.store.Database;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * Counts KEKs (by their root key), objects and bytes under them, live sessions keyed from them and
 * the search grants standing on a registration, with indexed queries on the account.
 */
public final class JdbcKeyDependencyStore implements KeyDependencyStore {
  private static final String KEKS =
      " from keks k where k.account_id = :a and k.root_provider = :p and k.root_key_id = :k";

  private final Jdbi jdbi;

  public JdbcKeyDependencyStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public KeyDependents.Counts count(CustomerKey key) {
    return jdbi.inTransaction(
        h -> {
          long keks = one(h, "select count(*)" + KEKS, key);
          long objects =
              one(
                  h,
                  "select count(*) from objects o where o.account_id = :a and o.kek_id in"
                      + " (select k.id"
                      + KEKS
                      + ")",
                  key);
          long bytes =
              one(
                  h,
                  "select coalesce(sum(o.plaintext_size), 0) from objects o where o.account_id = :a"
                      + " and o.kek_id in (select k.id"
                      + KEKS
                      + ")",
                  key);
          long sessions =
              one(
                  h,
                  "select count(*) from live_sessions s where s.account_id = :a and s.status ="
                      + " 'ACTIVE' and s.kek_id in (select k.id"
                      + KEKS
                      + ")",
                  key);
          long grants =
              h.createQuery(
                      "select count(*) from search_grants where account_id = :a and"
                          + " customer_key_id = :id and status in ('ACTIVE', 'PENDING_REVOKE')")
                  .bind("a", key.accountId())
                  .bind("id", key.id())
                  .mapTo(Long.class)
                  .one();
          return new KeyDependents.Counts(keks, objects, bytes, grants, sessions);
        });
  }

  private static long one(Handle h, String sql, CustomerKey key) {
    return h.createQuery(sql)
        .bind("a", key.accountId())
        .bind("p", key.ref().provider())
        .bind("k", key.ref().keyId())
        .mapTo(Long.class)
        .one();
  }
}
