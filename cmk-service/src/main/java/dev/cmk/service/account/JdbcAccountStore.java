package dev.cmk.service.account;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import dev.cmk.service.store.VersionedCache;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Accounts and users in the metadata database. */
public final class JdbcAccountStore implements AccountStore {
  private static final RowMapper<Account> ACCOUNT =
      (rs, ctx) ->
          new Account(
              rs.getString("id"),
              rs.getString("name"),
              rs.getString("region"),
              rs.getBoolean("fallback_enabled"),
              rs.getBoolean("drop_calls_on_key_unavailable"),
              instant(rs, "created_at"),
              rs.getBoolean("search_encryption"),
              FallbackMode.valueOf(rs.getString("fallback_mode")));
  private static final RowMapper<User> USER =
      (rs, ctx) ->
          new User(
              rs.getString("account_id"),
              rs.getString("user_id"),
              rs.getBoolean("cmk_licensed"),
              instant(rs, "updated_at"));

  private final Jdbi jdbi;
  private final ChangeVersions changes;
  private final VersionedCache<String, Optional<Account>> accounts;
  private final VersionedCache<List<String>, Optional<User>> users;

  public JdbcAccountStore(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
    this.accounts = new VersionedCache<>(changes, ChangeVersions.Kind.ACCOUNTS, 100_000);
    this.users = new VersionedCache<>(changes, ChangeVersions.Kind.USERS, 1_000_000);
  }

  @Override
  public void insert(Account a) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "insert into accounts (id, name, region, fallback_enabled,"
                        + " drop_calls_on_key_unavailable, created_at, search_encryption,"
                        + " fallback_mode)"
                        + " values (:id, :name, :region, :fb, :drop, :at, :search, :mode)")
                .bind("mode", a.fallbackMode().name())
                .bind("search", a.searchEncryption())
                .bind("id", a.id())
                .bind("name", a.name())
                .bind("region", a.region())
                .bind("fb", a.fallbackEnabled())
                .bind("drop", a.dropCallsOnKeyUnavailable())
                .bind("at", ts(a.createdAt()))
                .execute());
    jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.ACCOUNTS));
  }

  @Override
  public Optional<Account> find(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from accounts where id = :id")
                .bind("id", accountId)
                .map(ACCOUNT)
                .findOne());
  }

  @Override
  public Optional<Account> findCached(String accountId) {
    return accounts.get(accountId, this::find);
  }

  @Override
  public Optional<User> findUserCached(String accountId, String userId) {
    return users.get(List.of(accountId, userId), k -> findUser(k.get(0), k.get(1)));
  }

  @Override
  public List<Account> list() {
    return jdbi.withHandle(
        h -> h.createQuery("select * from accounts order by created_at, id").map(ACCOUNT).list());
  }

  @Override
  public void update(Account a) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "update accounts set name = :name, region = :region, fallback_enabled = :fb,"
                        + " drop_calls_on_key_unavailable = :drop, search_encryption = :search,"
                        + " fallback_mode = :mode where id = :id")
                .bind("mode", a.fallbackMode().name())
                .bind("search", a.searchEncryption())
                .bind("id", a.id())
                .bind("name", a.name())
                .bind("region", a.region())
                .bind("fb", a.fallbackEnabled())
                .bind("drop", a.dropCallsOnKeyUnavailable())
                .execute());
    jdbi.useHandle(h -> changes.changed(h, ChangeVersions.Kind.ACCOUNTS));
  }

  @Override
  public void upsertUser(User u) {
    jdbi.useTransaction(
        h -> {
          int n =
              h.createUpdate(
                      "update users set cmk_licensed = :lic, updated_at = :at"
                          + " where account_id = :a and user_id = :u")
                  .bind("a", u.accountId())
                  .bind("u", u.userId())
                  .bind("lic", u.cmkLicensed())
                  .bind("at", ts(u.updatedAt()))
                  .execute();
          if (n == 0) {
            h.createUpdate(
                    "insert into users (account_id, user_id, cmk_licensed, updated_at)"
                        + " values (:a, :u, :lic, :at)")
                .bind("a", u.accountId())
                .bind("u", u.userId())
                .bind("lic", u.cmkLicensed())
                .bind("at", ts(u.updatedAt()))
                .execute();
          }
          changes.changed(h, ChangeVersions.Kind.USERS);
        });
  }

  @Override
  public List<User> listUsers(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from users where account_id = :a order by user_id")
                .bind("a", accountId)
                .map(USER)
                .list());
  }

  @Override
  public Optional<User> findUser(String accountId, String userId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from users where account_id = :a and user_id = :u")
                .bind("a", accountId)
                .bind("u", userId)
                .map(USER)
                .findOne());
  }
}
