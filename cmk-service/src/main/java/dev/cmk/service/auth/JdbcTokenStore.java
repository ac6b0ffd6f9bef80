package dev.cmk.service.auth;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.VersionedCache;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Bearer tokens (hashes only) in the metadata database. */
public final class JdbcTokenStore implements TokenStore {
  private static final RowMapper<ApiToken> TOKEN =
      (rs, ctx) -> {
        OffsetDateTime revoked = rs.getObject("revoked_at", OffsetDateTime.class);
        String services = rs.getString("services");
        return new ApiToken(
            rs.getString("id"),
            Role.valueOf(rs.getString("role")),
            Optional.ofNullable(rs.getString("account_id")),
            services.isEmpty() ? Set.of() : Set.copyOf(Arrays.asList(services.split(","))),
            rs.getString("label"),
            instant(rs, "created_at"),
            Optional.ofNullable(revoked).map(OffsetDateTime::toInstant));
      };

  private final Jdbi jdbi;
  private final ChangeVersions changes;
  private final VersionedCache<String, Optional<Stored>> byHash;

  public JdbcTokenStore(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
    this.byHash = new VersionedCache<>(changes, ChangeVersions.Kind.TOKENS, 100_000);
  }

  @Override
  public void insert(ApiToken t, String secretHash) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "insert into api_tokens (id, token_hash, role, account_id, services, label,"
                        + " created_at) values (:id, :h, :r, :a, :s, :l, :c)")
                .bind("id", t.id())
                .bind("h", secretHash)
                .bind("r", t.role().name())
                .bind("a", t.accountId().orElse(null))
                .bind("s", String.join(",", new TreeSet<>(t.services())))
                .bind("l", t.label())
                .bind("c", ts(t.createdAt()))
                .execute());
    jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.TOKENS));
  }

  /**
   * From this node's memory: a token issued or revoked on this node counts at once, on another node
   * within {@link ChangeVersions#bound()}.
   */
  @Override
  public Optional<Stored> findByHash(String secretHash) {
    return byHash.get(secretHash, this::loadByHash);
  }

  private Optional<Stored> loadByHash(String secretHash) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from api_tokens where token_hash = :h")
                .bind("h", secretHash)
                .map((rs, ctx) -> new Stored(TOKEN.map(rs, ctx), rs.getString("token_hash")))
                .findOne());
  }

  @Override
  public Optional<ApiToken> find(String tokenId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from api_tokens where id = :id")
                .bind("id", tokenId)
                .map(TOKEN)
                .findOne());
  }

  @Override
  public List<ApiToken> list() {
    return jdbi.withHandle(
        h -> h.createQuery("select * from api_tokens order by created_at, id").map(TOKEN).list());
  }

  @Override
  public boolean revoke(String tokenId, Instant at) {
    return jdbi.inTransaction(
            h -> {
              int n =
                  h.createUpdate(
                          "update api_tokens set revoked_at = :at where id = :id"
                              + " and revoked_at is null")
                      .bind("id", tokenId)
                      .bind("at", ts(at))
                      .execute();
              changes.changed(h, ChangeVersions.Kind.TOKENS);
              return n;
            })
        > 0;
  }

  @Override
  public void touch(String tokenId, Instant at) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update api_tokens set last_used_at = :at where id = :id"
                        + " and (last_used_at is null or last_used_at < :at)")
                .bind("id", tokenId)
                .bind("at", ts(at))
                .execute());
  }

  @Override
  public java.util.Map<String, Instant> lastUsed() {
    java.util.Map<String, Instant> out = new java.util.HashMap<>();
    jdbi.useHandle(
        h ->
            h.createQuery("select id, last_used_at from api_tokens where last_used_at is not null")
                .map(
                    (rs, ctx) ->
                        java.util.Map.entry(rs.getString("id"), instant(rs, "last_used_at")))
                .forEach(e -> out.put(e.getKey(), e.getValue())));
    return out;
  }

  @Override
  public boolean hasActiveOperator() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                        "select count(*) from api_tokens where role = 'OPERATOR'"
                            + " and revoked_at is null")
                    .mapTo(Long.class)
                    .one()
                > 0);
  }
}
