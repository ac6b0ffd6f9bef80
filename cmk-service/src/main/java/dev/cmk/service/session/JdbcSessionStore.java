package dev.cmk.service.session;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Live sessions in the metadata database. */
public final class JdbcSessionStore implements SessionStore {
  private static final RowMapper<LiveSession> SESSION =
      (rs, ctx) -> {
        Timestamp ended = rs.getTimestamp("ended_at");
        return new LiveSession(
            rs.getString("id"),
            rs.getString("account_id"),
            rs.getString("user_id"),
            rs.getString("kek_id"),
            Protection.valueOf(rs.getString("protection")),
            LiveSession.Status.valueOf(rs.getString("status")),
            rs.getString("end_reason"),
            instant(rs, "created_at"),
            ended == null ? Optional.empty() : Optional.of(instant(rs, "ended_at")));
      };

  private final Jdbi jdbi;
  private final ChangeVersions changes;

  public JdbcSessionStore(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
  }

  @Override
  public void insert(LiveSession s) {
    jdbi.useHandle(
        h ->
            h.createUpdate(
                    "insert into live_sessions (id, account_id, user_id, kek_id, protection,"
                        + " status, end_reason, created_at) values (:id, :a, :u, :k, :p, :s, '',"
                        + " :c)")
                .bind("id", s.id())
                .bind("a", s.accountId())
                .bind("u", s.userId())
                .bind("k", s.kekId())
                .bind("p", s.protection().name())
                .bind("s", s.status().name())
                .bind("c", ts(s.createdAt()))
                .execute());
  }

  @Override
  public Optional<LiveSession> find(String accountId, String sessionId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from live_sessions where account_id = :a and id = :id")
                .bind("a", accountId)
                .bind("id", sessionId)
                .map(SESSION)
                .findOne());
  }

  @Override
  public boolean end(String accountId, String sessionId, String reason, Instant now) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "update live_sessions set status = 'ENDED', end_reason = :r,"
                            + " ended_at = :t where account_id = :a and id = :id"
                            + " and status = 'ACTIVE'")
                    .bind("a", accountId)
                    .bind("id", sessionId)
                    .bind("r", reason)
                    .bind("t", ts(now))
                    .execute())
        == 1;
  }

  @Override
  public int endAll(String accountId, String reason, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "update live_sessions set status = 'ENDED', end_reason = :r, ended_at = :t"
                        + " where account_id = :a and status = 'ACTIVE'")
                .bind("a", accountId)
                .bind("r", reason.length() > 480 ? reason.substring(0, 480) : reason)
                .bind("t", ts(now))
                .execute());
  }

  @Override
  public int endAllUnder(String accountId, String protection, String reason, Instant now) {
    return jdbi.withHandle(
        h ->
            h.createUpdate(
                    "update live_sessions set status = 'ENDED', end_reason = :r, ended_at = :t"
                        + " where account_id = :a and status = 'ACTIVE' and protection = :p")
                .bind("a", accountId)
                .bind("p", protection)
                .bind("r", reason.length() > 480 ? reason.substring(0, 480) : reason)
                .bind("t", ts(now))
                .execute());
  }

  @Override
  public List<Unavailable> droppingAccountsWithUnavailableKey() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select k.account_id, k.cause, k.reason from key_status k"
                        + " join accounts a on a.id = k.account_id"
                        + " where k.state = 'UNAVAILABLE' and a.drop_calls_on_key_unavailable"
                        + " and exists (select 1 from live_sessions s"
                        + " where s.account_id = k.account_id and s.status = 'ACTIVE')")
                .map(
                    (rs, ctx) ->
                        new Unavailable(
                            rs.getString("account_id"),
                            rs.getString("cause"),
                            rs.getString("reason")))
                .list());
  }

  @Override
  public void setDropCalls(String accountId, boolean enabled) {
    jdbi.useHandle(
        h -> {
          h.createUpdate("update accounts set drop_calls_on_key_unavailable = :d where id = :a")
              .bind("a", accountId)
              .bind("d", enabled)
              .execute();
          changes.changed(h, ChangeVersions.Kind.ACCOUNTS);
        });
  }
}
