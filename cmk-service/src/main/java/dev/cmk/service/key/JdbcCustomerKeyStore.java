package dev.cmk.service.key;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.VersionedCache;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Customer key registrations in the metadata database. */
public final class JdbcCustomerKeyStore implements CustomerKeyStore {
  private static final RowMapper<CustomerKey> KEY =
      (rs, ctx) ->
          new CustomerKey(
              rs.getString("id"),
              rs.getString("account_id"),
              new KeyRef(
                  rs.getString("provider"),
                  rs.getString("key_id"),
                  splitReplicas(rs.getString("replica_key_ids"))),
              CustomerKey.Status.valueOf(rs.getString("status")),
              instant(rs, "created_at"),
              instant(rs, "updated_at"));

  private final Jdbi jdbi;
  private final ChangeVersions changes;
  private final VersionedCache<String, Optional<CustomerKey>> active;

  public JdbcCustomerKeyStore(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
    this.active = new VersionedCache<>(changes, ChangeVersions.Kind.KEYS, 100_000);
  }

  @Override
  public void insert(CustomerKey k) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "insert into customer_keys (id, account_id, provider, key_id, replica_key_ids,"
                        + " status, created_at, updated_at)"
                        + " values (:id, :a, :p, :k, :r, :s, :c, :u)")
                .bind("id", k.id())
                .bind("a", k.accountId())
                .bind("p", k.ref().provider())
                .bind("k", k.ref().keyId())
                .bind("r", String.join(",", k.ref().replicaKeyIds()))
                .bind("s", k.status().name())
                .bind("c", ts(k.createdAt()))
                .bind("u", ts(k.updatedAt()))
                .execute());
    jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.KEYS));
  }

  @Override
  public void update(CustomerKey k) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update customer_keys set status = :s, replica_key_ids = :r, updated_at = :u"
                        + " where id = :id")
                .bind("id", k.id())
                .bind("r", String.join(",", k.ref().replicaKeyIds()))
                .bind("s", k.status().name())
                .bind("u", ts(k.updatedAt()))
                .execute());
    jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.KEYS));
  }

  @Override
  public Optional<CustomerKey> findActiveCached(String accountId) {
    return active.get(accountId, this::findActive);
  }

  @Override
  public Optional<CustomerKey> find(String keyId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from customer_keys where id = :id")
                .bind("id", keyId)
                .map(KEY)
                .findOne());
  }

  @Override
  public List<CustomerKey> listForAccount(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from customer_keys where account_id = :a order by created_at, id")
                .bind("a", accountId)
                .map(KEY)
                .list());
  }

  @Override
  public List<CustomerKey> registeredElsewhere(String provider, String keyId, String accountId) {
    List<CustomerKey> candidates =
        jdbi.withHandle(
            h ->
                h.createQuery(
                        "select * from customer_keys where provider = :p and account_id <> :a and"
                            + " status in ('ACTIVE', 'RETIRED') and (key_id = :k or"
                            + " replica_key_ids like :like)")
                    .bind("p", provider)
                    .bind("a", accountId)
                    .bind("k", keyId)
                    .bind("like", "%" + keyId + "%")
                    .map(KEY)
                    .list());
    return candidates.stream()
        .filter(c -> c.ref().keyId().equals(keyId) || c.ref().replicaKeyIds().contains(keyId))
        .toList();
  }

  private static List<String> splitReplicas(String s) {
    return s == null || s.isEmpty() ? List.of() : Arrays.asList(s.split(","));
  }
}
