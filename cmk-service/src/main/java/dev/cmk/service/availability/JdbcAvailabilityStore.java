package dev.cmk.service.availability;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.account.FallbackMode;
import dev.cmk.service.key.CustomerKey;
import dev.cmk.service.store.ChangeVersions;
import dev.cmk.service.store.Database;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/** Key availability, its events and revocation epochs in the metadata database. */
public final class JdbcAvailabilityStore implements AvailabilityStore {
  private static final RowMapper<KeyStatus> STATUS =
      (rs, ctx) ->
          new KeyStatus(
              rs.getString("account_id"),
              rs.getString("customer_key_id"),
              KeyState.valueOf(rs.getString("state")),
              Cause.valueOf(rs.getString("cause")),
              rs.getString("reason"),
              rs.getString("detail"),
              instant(rs, "changed_at"),
              instant(rs, "checked_at"));
  private static final RowMapper<KeyEvent> EVENT =
      (rs, ctx) ->
          new KeyEvent(
              rs.getString("id"),
              rs.getString("account_id"),
              rs.getString("customer_key_id"),
              rs.getString("kind"),
              rs.getString("from_state"),
              rs.getString("to_state"),
              Cause.valueOf(rs.getString("cause")),
              rs.getString("reason"),
              rs.getString("source"),
              rs.getString("detail"),
              instant(rs, "at"));
  private static final RowMapper<CustomerKey> KEY =
      (rs, ctx) ->
          new CustomerKey(
              rs.getString("id"),
              rs.getString("account_id"),
              new KeyRef(
                  rs.getString("provider"),
                  rs.getString("key_id"),
                  rs.getString("replica_key_ids").isEmpty()
                      ? List.of()
                      : Arrays.asList(rs.getString("replica_key_ids").split(","))),
              CustomerKey.Status.valueOf(rs.getString("status")),
              instant(rs, "created_at"),
              instant(rs, "updated_at"));

  private final Jdbi jdbi;
  private final ChangeVersions changes;

  public JdbcAvailabilityStore(Database db) {
    this.jdbi = db.jdbi();
    this.changes = db.changes();
  }

  @Override
  public Optional<KeyStatus> find(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from key_status where account_id = :a")
                .bind("a", accountId)
                .map(STATUS)
                .findOne());
  }

  @Override
  public boolean transition(Optional<KeyStatus> expected, KeyStatus n, KeyEvent event) {
    try {
      return jdbi.inTransaction(
          h -> {
            int rows;
            if (expected.isEmpty()) {
              rows =
                  h.createUpdate(
                          "insert into key_status (account_id, customer_key_id, state, cause,"
                              + " reason, detail, changed_at, checked_at)"
                              + " values (:a, :k, :s, :c, :r, :d, :at, :at)")
                      .bind("a", n.accountId())
                      .bind("k", n.customerKeyId())
                      .bind("s", n.state().name())
                      .bind("c", n.cause().name())
                      .bind("r", n.reason())
                      .bind("d", n.detail())
                      .bind("at", ts(n.changedAt()))
                      .execute();
            } else {
              KeyStatus e = expected.get();
              rows =
                  h.createUpdate(
                          "update key_status set customer_key_id = :k, state = :s, cause = :c,"
                              + " reason = :r, detail = :d, changed_at = :at, checked_at = :at"
                              + " where account_id = :a and customer_key_id = :ek and state = :es"
                              + " and cause = :ec and reason = :er")
                      .bind("a", n.accountId())
                      .bind("k", n.customerKeyId())
                      .bind("s", n.state().name())
                      .bind("c", n.cause().name())
                      .bind("r", n.reason())
                      .bind("d", n.detail())
                      .bind("at", ts(n.changedAt()))
                      .bind("ek", e.customerKeyId())
                      .bind("es", e.state().name())
                      .bind("ec", e.cause().name())
                      .bind("er", e.reason())
                      .execute();
            }
            if (rows != 1) {
              return false;
            }
            KeyEventRows.insert(h, event);
            return true;
          });
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false;
      }
      throw e;
    }
  }

  @Override
  public int releaseProbes(String node) {
    return jdbi.withHandle(
        h -> h.createUpdate("delete from probe_leases where owner = :o").bind("o", node).execute());
  }

  @Override
  public boolean claimProbe(String accountId, String node, Instant now, Instant expiresAt) {
    try {
      return jdbi.inTransaction(
          h -> {
            int taken =
                h.createUpdate(
                        "update probe_leases set owner = :o, expires_at = :e"
                            + " where account_id = :a and (owner = :o or expires_at <= :now)")
                    .bind("a", accountId)
                    .bind("o", node)
                    .bind("e", ts(expiresAt))
                    .bind("now", ts(now))
                    .execute();
            if (taken == 1) {
              return true;
            }
            boolean exists =
                h.createQuery("select count(*) from probe_leases where account_id = :a")
                        .bind("a", accountId)
                        .mapTo(Integer.class)
                        .one()
                    > 0;
            if (exists) {
              return false; // another node holds a live lease
            }
            h.createUpdate(
                    "insert into probe_leases (account_id, owner, expires_at) values (:a, :o, :e)")
                .bind("a", accountId)
                .bind("o", node)
                .bind("e", ts(expiresAt))
                .execute();
            return true;
          });
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return false; // another node inserted the lease first
      }
      throw e;
    }
  }

  @Override
  public void touch(String accountId, Instant checkedAt) {
    jdbi.useHandle(
        h ->
            h.createUpdate("update key_status set checked_at = :t where account_id = :a")
                .bind("a", accountId)
                .bind("t", ts(checkedAt))
                .execute());
  }

  @Override
  public void appendEvent(KeyEvent event) {
    jdbi.useHandle(h -> KeyEventRows.insert(h, event));
  }

  @Override
  public List<KeyEvent> events(String accountId, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from key_events where account_id = :a order by seq desc limit :n")
                .bind("a", accountId)
                .bind("n", limit)
                .map(EVENT)
                .list());
  }

  @Override
  public List<CustomerKey> activeKeys() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from customer_keys where status = 'ACTIVE' order by account_id")
                .map(KEY)
                .list());
  }

  @Override
  public Optional<CustomerKey> activeKey(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from customer_keys where account_id = :a and status = 'ACTIVE'"
                        + " order by created_at desc")
                .bind("a", accountId)
                .map(KEY)
                .findFirst());
  }

  @Override
  public long epoch(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select epoch from account_revocation where account_id = :a")
                .bind("a", accountId)
                .mapTo(Long.class)
                .findOne()
                .orElse(0L));
  }

  @Override
  public Signal signal(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select epoch, revoked from account_revocation where account_id = :a")
                .bind("a", accountId)
                .map((rs, ctx) -> new Signal(rs.getLong("epoch"), rs.getBoolean("revoked")))
                .findOne()
                .orElse(new Signal(0, false)));
  }

  @Override
  public long bumpEpoch(String accountId, Instant now) {
    return jdbi.inTransaction(h -> bump(h, accountId, now, Optional.empty()).epoch());
  }

  /**
   * Locks the account's revocation row (made on first use) and adds one to its epoch; with {@code
   * revokedBy}, also marks the account revoked by them.
   */
  private static Revocation bump(
      Handle h, String accountId, Instant now, Optional<String> revokedBy) {
    Revocation cur = lock(h, accountId, now);
    boolean revoke = revokedBy.isPresent();
    h.createUpdate(
            "update account_revocation set epoch = epoch + 1, revoked = :r,"
                + " revoked_at = :ra, revoked_by = :rb, updated_at = :u where account_id = :a")
        .bind("a", accountId)
        .bind("r", revoke || cur.revoked())
        .bind("ra", revoke ? ts(now) : cur.revokedAt().map(Database::ts).orElse(null))
        .bind("rb", revokedBy.orElse(cur.revokedBy()))
        .bind("u", ts(now))
        .execute();
    return select(h, accountId, false).orElseThrow();
  }

  private static Revocation lock(Handle h, String accountId, Instant now) {
    Optional<Revocation> row = select(h, accountId, true);
    if (row.isPresent()) {
      return row.get();
    }
    try {
      h.savepoint("rev_insert");
      h.createUpdate(
              "insert into account_revocation (account_id, epoch, revoked, revoked_at, updated_at)"
                  + " values (:a, 0, false, null, :u)")
          .bind("a", accountId)
          .bind("u", ts(now))
          .execute();
      h.releaseSavepoint("rev_insert");
    } catch (RuntimeException e) {
      if (!Database.isUniqueViolation(e)) {
        throw e;
      }
      h.rollbackToSavepoint("rev_insert");
    }
    return select(h, accountId, true).orElseThrow();
  }

  /** A revocation lasts until an admin lifts it ({@link #lift}); nothing else ends it. */
  private static Optional<Revocation> select(Handle h, String accountId, boolean forUpdate) {
    return h.createQuery(
            "select account_id, epoch, revoked, revoked_at, revoked_by, lifted_at, lifted_by"
                + " from account_revocation where account_id = :a"
                + (forUpdate ? " for update" : ""))
        .bind("a", accountId)
        .map(
            (rs, ctx) ->
                new Revocation(
                    rs.getString("account_id"),
                    rs.getLong("epoch"),
                    rs.getBoolean("revoked"),
                    optionalInstant(rs, "revoked_at"),
                    rs.getString("revoked_by"),
                    optionalInstant(rs, "lifted_at"),
                    rs.getString("lifted_by")))
        .findOne();
  }

  private static Optional<Instant> optionalInstant(java.sql.ResultSet rs, String column)
      throws java.sql.SQLException {
    Timestamp t = rs.getTimestamp(column);
    return t == null ? Optional.empty() : Optional.of(instant(rs, column));
  }

  @Override
  public Revocation revocation(String accountId) {
    return jdbi.withHandle(
        h ->
            select(h, accountId, false)
                .orElse(new Revocation(accountId, 0, false, Optional.empty())));
  }

  @Override
  public Optional<Revocation> revoke(String accountId, Instant now, String by, KeyEvent event) {
    return jdbi.inTransaction(
        h -> {
          if (lock(h, accountId, now).revoked()) {
            return Optional.empty();
          }
          Revocation r = bump(h, accountId, now, Optional.of(by));
          h.createUpdate("update accounts set fallback_enabled = false where id = :a")
              .bind("a", accountId)
              .execute();
          changes.changed(h, ChangeVersions.Kind.ACCOUNTS);
          // live sessions under the customer's key (or its fallback) end on every node at once
          h.createUpdate(
                  "update live_sessions set status = 'ENDED', end_reason = :why, ended_at = :t"
                      + " where account_id = :a and status = 'ACTIVE' and protection <> 'PLATFORM'")
              .bind("a", accountId)
              .bind("why", "key_revoked: revoke now by " + by)
              .bind("t", ts(now))
              .execute();
          KeyEventRows.insert(h, event);
          return Optional.of(r);
        });
  }

  @Override
  public Optional<Revocation> lift(String accountId, Instant now, String by, KeyEvent event) {
    return jdbi.inTransaction(
        h -> {
          if (!lock(h, accountId, now).revoked()) {
            return Optional.empty();
          }
          h.createUpdate(
                  "update account_revocation set revoked = false, lifted_at = :t,"
                      + " lifted_by = :b, updated_at = :t where account_id = :a")
              .bind("a", accountId)
              .bind("t", ts(now))
              .bind("b", by)
              .execute();
          KeyEventRows.insert(h, event);
          return select(h, accountId, false);
        });
  }

  @Override
  public void setFallback(
      String accountId, boolean enabled, FallbackMode mode, Instant now, KeyEvent event) {
    jdbi.useTransaction(
        h -> {
          h.createUpdate(
                  "update accounts set fallback_enabled = :f, fallback_mode = :m where id = :a")
              .bind("a", accountId)
              .bind("f", enabled)
              .bind("m", mode.name())
              .execute();
          changes.changed(h, ChangeVersions.Kind.ACCOUNTS);
          KeyEventRows.insert(h, event);
        });
  }

  @Override
  public boolean recordSliceRefusal(SliceRefusal r) {
    return jdbi.inTransaction(
        h -> {
          int moved =
              h.createUpdate(
                      "update key_slice_refusals set last_seen = :t, reason = :r,"
                          + " provider_code = :p, detail = :d"
                          + " where account_id = :a and service_id = :s and period = :per")
                  .bind("a", r.accountId())
                  .bind("s", r.serviceId())
                  .bind("per", r.period())
                  .bind("t", ts(r.lastSeen()))
                  .bind("r", r.reason())
                  .bind("p", r.providerCode())
                  .bind("d", r.detail())
                  .execute();
          if (moved > 0) {
            return false;
          }
          try {
            h.savepoint("slice_insert");
            h.createUpdate(
                    "insert into key_slice_refusals (account_id, service_id, period, reason,"
                        + " provider_code, detail, first_seen, last_seen)"
                        + " values (:a, :s, :per, :r, :p, :d, :f, :t)")
                .bind("a", r.accountId())
                .bind("s", r.serviceId())
                .bind("per", r.period())
                .bind("r", r.reason())
                .bind("p", r.providerCode())
                .bind("d", r.detail())
                .bind("f", ts(r.firstSeen()))
                .bind("t", ts(r.lastSeen()))
                .execute();
            h.releaseSavepoint("slice_insert");
            return true;
          } catch (RuntimeException e) {
            if (!Database.isUniqueViolation(e)) {
              throw e;
            }
            h.rollbackToSavepoint("slice_insert");
            return false; // another node recorded it first
          }
        });
  }

  @Override
  public List<SliceRefusal> sliceRefusals(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from key_slice_refusals where account_id = :a"
                        + " order by service_id, period")
                .bind("a", accountId)
                .map(
                    (rs, ctx) ->
                        new SliceRefusal(
                            rs.getString("account_id"),
                            rs.getString("service_id"),
                            rs.getString("period"),
                            rs.getString("reason"),
                            rs.getString("provider_code"),
                            rs.getString("detail"),
                            instant(rs, "first_seen"),
                            instant(rs, "last_seen")))
                .list());
  }

  @Override
  public boolean clearSliceRefusal(String accountId, String serviceId, String period) {
    return jdbi.withHandle(
            h ->
                h.createUpdate(
                        "delete from key_slice_refusals where account_id = :a"
                            + " and service_id = :s and period = :p")
                    .bind("a", accountId)
                    .bind("s", serviceId)
                    .bind("p", period)
                    .execute())
        > 0;
  }

  @Override
  public int clearSliceRefusals(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createUpdate("delete from key_slice_refusals where account_id = :a")
                .bind("a", accountId)
                .execute());
  }
}
