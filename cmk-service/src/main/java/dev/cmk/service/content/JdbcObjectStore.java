package dev.cmk.service.content;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.Database;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Object metadata rows in the metadata database. */
public final class JdbcObjectStore implements ObjectStore {
  private static final RowMapper<StoredObject> OBJECT =
      (rs, ctx) ->
          new StoredObject(
              rs.getString("account_id"),
              rs.getString("id"),
              rs.getString("asset_type"),
              rs.getString("owner_user_id"),
              rs.getString("kek_id"),
              Protection.valueOf(rs.getString("protection")),
              rs.getLong("plaintext_size"),
              instant(rs, "created_at"),
              orEmpty(rs.getBytes("wrapped_dek")));

  private static byte[] orEmpty(byte[] b) {
    return b == null ? new byte[0] : b;
  }

  private final Jdbi jdbi;

  public JdbcObjectStore(Database db) {
    this.jdbi = db.jdbi();
  }

  @Override
  public boolean insert(StoredObject o) {
    try {
      // "on conflict do nothing": an existing id is a false, not a failed statement, so a write
      // sharing a group-committed transaction does not abort the others' (PostgreSQL)
      return jdbi.withHandle(
          h ->
              h.createUpdate(
                          "insert into objects (id, account_id, asset_type, owner_user_id, kek_id,"
                              + " protection, plaintext_size, created_at, wrapped_dek)"
                              + " values (:id, :a, :t, :u, :k, :p, :n, :c, :w) on conflict do nothing")
                      .bind("id", o.objectId())
                      .bind("a", o.accountId())
                      .bind("t", o.assetType())
                      .bind("u", o.ownerUserId())
                      .bind("k", o.kekId())
                      .bind("p", o.protection().name())
                      .bind("n", o.plaintextSize())
                      .bind("c", ts(o.createdAt()))
                      .bind("w", o.holdsWrappedDek() ? o.wrappedDek() : null)
                      .execute()
                  == 1);
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false;
      }
      if (Database.isForeignKeyViolation(e)) {
        throw new ObjectStore.UnknownKekException(o.kekId(), e);
      }
      throw e;
    }
  }

  @Override
  public Optional<StoredObject> find(String accountId, String objectId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from objects where account_id = :a and id = :id")
                .bind("a", accountId)
                .bind("id", objectId)
                .map(OBJECT)
                .findOne());
  }

  @Override
  public Map<String, StoredObject> findAll(String accountId, Collection<String> objectIds) {
    Map<String, StoredObject> found = new HashMap<>();
    if (objectIds.isEmpty()) {
      return found;
    }
    jdbi.useHandle(
        h ->
            h.createQuery("select * from objects where account_id = :a and id in (<ids>)")
                .bind("a", accountId)
                .bindList("ids", List.copyOf(objectIds))
                .map(OBJECT)
                .forEach(o -> found.put(o.objectId(), o)));
    return found;
  }

  @Override
  public long countByKek(String kekId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select count(*) from objects where kek_id = :k")
                .bind("k", kekId)
                .mapTo(Long.class)
                .one());
  }
}
