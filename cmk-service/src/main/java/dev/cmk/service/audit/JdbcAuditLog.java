package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.Query;

/**
 * The audit log in the metadata database (tables {@code audit_log} and {@code audit_heads}, V8).
 *
 * <p>An append takes the account's head row FOR UPDATE, inserts the row at head + 1 chained to the
 * head's hash, and moves the head, all in one transaction: appends for one account are serialized,
 * also across nodes on one PostgreSQL, so seq is gapless and the chain never forks. JDBI reuses the
 * thread's open handle, so an append inside {@link #inTransaction} (or inside any transaction of
 * the stores on the same {@link Database}) joins that transaction.
 */
public final class JdbcAuditLog implements AuditLog {
  private static final RowMapper<AuditRecord> ROW =
      (rs, ctx) ->
          new AuditRecord(
              AuditRecord.VERSION,
              rs.getString("account_id"),
              rs.getLong("seq"),
              rs.getObject("at", OffsetDateTime.class).toInstant(),
              rs.getString("actor_kind"),
              rs.getString("actor_id"),
              rs.getString("action"),
              rs.getString("key_provider"),
              rs.getString("key_id"),
              rs.getString("kek_id"),
              rs.getString("protection"),
              rs.getString("asset"),
              rs.getString("object_id"),
              rs.getString("user_id"),
              rs.getString("request_id"),
              rs.getString("result"),
              DetailsJson.read(rs.getString("details")),
              rs.getString("prev_hash"),
              rs.getString("hash"));

  private final Jdbi jdbi;
  private final Clock clock;

  public JdbcAuditLog(Database db, Clock clock) {
    this.jdbi = db.jdbi();
    this.clock = clock;
  }

  /** The last appended seq of an account and its hash (seq 0 and the genesis hash if none). */
  public record Head(String accountId, long seq, String hash) {}

  @Override
  public void record(AuditEvent event) {
    jdbi.useTransaction(h -> append(h, event));
  }

  @Override
  public <T> T inTransaction(Supplier<T> change) {
    return jdbi.inTransaction(h -> change.get());
  }

  private void append(Handle h, AuditEvent e) {
    String account = e.accountId();
    Optional<Head> locked = lockHead(h, account);
    if (locked.isEmpty()) {
      // the account's first event: create its head (a concurrent creator makes this a no-op)
      h.createUpdate(
              "insert into audit_heads (account_id, seq, hash) values (:a, 0, :g)"
                  + " on conflict do nothing")
          .bind("a", account)
          .bind("g", AuditChain.GENESIS)
          .execute();
      locked = lockHead(h, account);
    }
    Head head = locked.orElseThrow();
    AuditRecord r = AuditRecord.append(e, head.seq() + 1, clock.instant(), head.hash());
    h.createUpdate(
            "insert into audit_log (account_id, seq, at, actor_kind, actor_id, action,"
                + " key_provider, key_id, kek_id, protection, asset, object_id, user_id,"
                + " request_id, result, details, prev_hash, hash) values (:a, :seq, :at, :ak,"
                + " :aid, :act, :kp, :kid, :kek, :prot, :asset, :obj, :u, :rid, :res, :d,"
                + " :prev, :hash)")
        .bind("a", r.accountId())
        .bind("seq", r.seq())
        .bind("at", r.at().atOffset(ZoneOffset.UTC))
        .bind("ak", r.actorKind())
        .bind("aid", r.actorId())
        .bind("act", r.action())
        .bind("kp", r.keyProvider())
        .bind("kid", r.keyId())
        .bind("kek", r.kekId())
        .bind("prot", r.protection())
        .bind("asset", r.asset())
        .bind("obj", r.objectId())
        .bind("u", r.user())
        .bind("rid", r.requestId())
        .bind("res", r.result())
        .bind("d", DetailsJson.write(r.details()))
        .bind("prev", r.prevHash())
        .bind("hash", r.hash())
        .execute();
    h.createUpdate("update audit_heads set seq = :s, hash = :h where account_id = :a")
        .bind("s", r.seq())
        .bind("h", r.hash())
        .bind("a", account)
        .execute();
  }

  private static Optional<Head> lockHead(Handle h, String account) {
    return h.createQuery("select seq, hash from audit_heads where account_id = :a for update")
        .bind("a", account)
        .map((rs, ctx) -> new Head(account, rs.getLong("seq"), rs.getString("hash")))
        .findOne();
  }

  public Head head(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select seq, hash from audit_heads where account_id = :a")
                .bind("a", accountId)
                .map((rs, ctx) -> new Head(accountId, rs.getLong("seq"), rs.getString("hash")))
                .findOne()
                .orElse(new Head(accountId, 0, AuditChain.GENESIS)));
  }

  /**
   * Which rows to read, in seq order: after {@code afterSeq}, appended in [from, to), and (all
   * optional, exact match) of these actions, for this user, about this asset.
   */
  public record Filter(
      long afterSeq,
      Optional<Instant> from,
      Optional<Instant> to,
      List<String> actions,
      Optional<String> user,
      Optional<String> asset) {
    public Filter {
      actions = List.copyOf(actions);
    }

    public static Filter all() {
      return new Filter(
          0, Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty());
    }

    public Filter after(long seq) {
      return new Filter(seq, from, to, actions, user, asset);
    }
  }

  /** Up to {@code limit} rows of the account matching {@code f}, ascending seq. */
  public List<AuditRecord> page(String accountId, Filter f, int limit) {
    StringBuilder sql =
        new StringBuilder("select * from audit_log where account_id = :a and seq > :after");
    f.from().ifPresent(x -> sql.append(" and at >= :from"));
    f.to().ifPresent(x -> sql.append(" and at < :to"));
    if (!f.actions().isEmpty()) {
      sql.append(" and action in (<actions>)");
    }
    f.user().ifPresent(x -> sql.append(" and user_id = :user"));
    f.asset().ifPresent(x -> sql.append(" and asset = :asset"));
    sql.append(" order by seq limit :limit");
    return jdbi.withHandle(
        h -> {
          Query q =
              h.createQuery(sql.toString())
                  .bind("a", accountId)
                  .bind("after", f.afterSeq())
                  .bind("limit", limit);
          f.from().ifPresent(x -> q.bind("from", x.atOffset(ZoneOffset.UTC)));
          f.to().ifPresent(x -> q.bind("to", x.atOffset(ZoneOffset.UTC)));
          if (!f.actions().isEmpty()) {
            q.bindList("actions", f.actions());
          }
          f.user().ifPresent(x -> q.bind("user", x));
          f.asset().ifPresent(x -> q.bind("asset", x));
          return q.map(ROW).list();
        });
  }
}
