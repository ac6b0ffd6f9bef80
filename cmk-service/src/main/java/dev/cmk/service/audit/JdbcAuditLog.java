package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import dev.cmk.service.store.GroupCommit;
import java.sql.ResultSet;
import java.sql.SQLException;
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
import org.jdbi.v3.core.statement.SqlStatement;

/**
 * The audit log in the metadata database (tables {@code audit_log} and {@code audit_heads}, V8;
 * {@code audit_pending}, V40).
 *
 * <p>An append inserts a pending row and takes no lock, so requests of one account never wait for
 * each other here. The {@link AuditSequencer} chains pending rows into {@code audit_log} under the
 * account's head lock (in the background, and before every read of the chain through {@link #head}
 * and {@link #page}), so seq is gapless and the chain never forks, also across nodes on one
 * PostgreSQL. JDBI reuses the thread's open handle, so an append inside {@link #inTransaction} (or
 * inside any transaction of the stores on the same {@link Database}) joins that transaction.
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

  static final String INSERT_LOG =
      "insert into audit_log (account_id, seq, at, actor_kind, actor_id, action,"
          + " key_provider, key_id, kek_id, protection, asset, object_id, user_id,"
          + " request_id, result, details, prev_hash, hash) values (:a, :seq, :at, :ak,"
          + " :aid, :act, :kp, :kid, :kek, :prot, :asset, :obj, :u, :rid, :res, :d,"
          + " :prev, :hash)";
  private static final String INSERT_PENDING =
      "insert into audit_pending (account_id, at, actor_kind, actor_id, action,"
          + " key_provider, key_id, kek_id, protection, asset, object_id, user_id,"
          + " request_id, result, details) values (:a, :at, :ak, :aid, :act, :kp, :kid, :kek,"
          + " :prot, :asset, :obj, :u, :rid, :res, :d)";

  private final Jdbi jdbi;
  private final Clock clock;
  private final AuditSequencer sequencer;
  private final Optional<GroupCommit> commits;

  /** A log whose rows outside a transaction commit one by one (tools, tests). */
  public JdbcAuditLog(Database db, Clock clock) {
    this(db, clock, Optional.empty());
  }

  /**
   * @param commits where a row recorded outside any transaction (a read, a refusal) commits, shared
   *     with concurrent callers; {@link #inSharedTransaction} runs there too
   */
  public JdbcAuditLog(Database db, Clock clock, Optional<GroupCommit> commits) {
    this.jdbi = db.jdbi();
    this.clock = clock;
    this.sequencer = new AuditSequencer(db);
    this.commits = commits;
  }

  /** The last appended seq of an account and its hash (seq 0 and the genesis hash if none). */
  public record Head(String accountId, long seq, String hash) {}

  /** Chains pending rows in the background and before every read of the chain. */
  public AuditSequencer sequencer() {
    return sequencer;
  }

  /**
   * Records the event as a pending row: in the caller's transaction when there is one (it commits
   * or rolls back with the change), else in a group commit with concurrent callers; either way it
   * is durable when this returns. It takes no lock: the {@link AuditSequencer} chains it.
   */
  @Override
  public void record(AuditEvent event) {
    AuditRecord r = AuditRecord.append(event, 0, clock.instant(), "");
    boolean joined =
        jdbi.withHandle(
            h -> {
              if (!h.isInTransaction()) {
                return false;
              }
              insertPending(h, r);
              return true;
            });
    if (!joined) {
      if (commits.isPresent()) {
        commits
            .get()
            .run(
                () -> {
                  jdbi.useHandle(h -> insertPending(h, r));
                  return r;
                });
      } else {
        jdbi.useTransaction(h -> insertPending(h, r));
      }
    }
  }

  @Override
  public <T> T inTransaction(Supplier<T> change) {
    return jdbi.inTransaction(h -> change.get());
  }

  @Override
  public <T> T inSharedTransaction(Supplier<T> change) {
    return commits.isPresent() ? commits.get().run(change) : inTransaction(change);
  }

  private static void insertPending(Handle h, AuditRecord r) {
    bindEvent(h.createUpdate(INSERT_PENDING), r).execute();
  }

  /** Binds a chained row to {@link #INSERT_LOG}. */
  static <S extends SqlStatement<S>> S bindLog(S st, AuditRecord r) {
    return bindEvent(st, r).bind("seq", r.seq()).bind("prev", r.prevHash()).bind("hash", r.hash());
  }

  /** The event's columns, common to {@link #INSERT_PENDING} and {@link #INSERT_LOG}. */
  private static <S extends SqlStatement<S>> S bindEvent(S st, AuditRecord r) {
    return st.bind("a", r.accountId())
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
        .bind("d", DetailsJson.write(r.details()));
  }

  /** A row of {@code audit_pending} as an unchained record (seq 0, no hashes). */
  static AuditRecord pendingRecord(ResultSet rs) throws SQLException {
    return new AuditRecord(
        AuditRecord.VERSION,
        rs.getString("account_id"),
        0,
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
        "",
        "");
  }

  /**
   * Chains what is pending for the account first, so the head covers every access recorded before
   * this call.
   */
  public Head head(String accountId) {
    sequencer.sequence(accountId, true);
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

  /**
   * Up to {@code limit} rows of the account matching {@code f}, ascending seq. Outside a
   * transaction it chains what is pending first, so the page covers every access recorded before
   * the call; inside one (the archiver's) it reads what is chained.
   */
  public List<AuditRecord> page(String accountId, Filter f, int limit) {
    if (!jdbi.withHandle(Handle::isInTransaction)) {
      sequencer.sequence(accountId, true);
    }
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
