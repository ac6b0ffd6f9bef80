package dev.cmk.service.audit;

import dev.cmk.service.store.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Chains pending audit rows (table {@code audit_pending}, V40) into the per-account log: for one
 * account at a time, under that account's {@code audit_heads} row lock, it takes the pending rows
 * in id order, gives each the next seq, the previous row's hash as {@code prevHash} and its own
 * hash, inserts them into {@code audit_log}, deletes them from {@code audit_pending} and moves the
 * head, all in one transaction (at most {@link #BATCH} rows each). See AUDIT.md "Sequencing".
 *
 * <p>The request path never takes the head lock: an access only inserts its pending row. Exactly
 * one transaction at a time holds an account's head, so the chain stays gapless and unforked across
 * nodes; the background run skips an account another node is sequencing ({@code SKIP LOCKED})
 * instead of waiting, so with several nodes one sequences an account while the others move on. A
 * row whose transaction is still open is invisible here and is chained by a later run, so seq order
 * is the order rows became visible (committed) as seen by the sequencer, and {@code at} (the access
 * time) may step back by the length of a transaction from one seq to the next.
 */
public final class AuditSequencer {
  /** Most rows chained in one transaction. */
  public static final int BATCH = 1000;

  private final Jdbi jdbi;
  private final AtomicLong chained = new AtomicLong();

  public AuditSequencer(Database db) {
    this.jdbi = db.jdbi();
  }

  /** Rows chained by this node since it started (a metric). */
  public long chainedTotal() {
    return chained.get();
  }

  /** Pending rows of every account right now (a metric; counts the table). */
  public long pendingCount() {
    return jdbi.withHandle(
        h -> h.createQuery("select count(*) from audit_pending").mapTo(Long.class).one());
  }

  /**
   * One background round: chains what is pending for every account no other node is chaining at
   * this moment. Returns how many rows it chained.
   */
  public int runOnce() {
    List<String> accounts =
        jdbi.withHandle(
            h ->
                h.createQuery("select distinct account_id from audit_pending")
                    .mapTo(String.class)
                    .list());
    int n = 0;
    for (String a : accounts) {
      n += sequence(a, false);
    }
    return n;
  }

  /**
   * Chains every row of the account pending now. With {@code wait}, waits for a sequencer running
   * elsewhere (readers of the chain call this first, so what was recorded before the read is in
   * it); without, gives up on an account another transaction holds.
   */
  public int sequence(String accountId, boolean wait) {
    int total = 0;
    while (hasPending(accountId)) {
      int n = jdbi.inTransaction(h -> chainBatch(h, accountId, wait));
      total += n;
      if (n < BATCH) {
        break;
      }
    }
    chained.addAndGet(total);
    return total;
  }

  private boolean hasPending(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select 1 from audit_pending where account_id = :a limit 1")
                .bind("a", accountId)
                .mapTo(Integer.class)
                .findOne()
                .isPresent());
  }

  private int chainBatch(Handle h, String account, boolean wait) {
    Optional<JdbcAuditLog.Head> locked = lockHead(h, account, wait);
    if (locked.isEmpty()) {
      if (!wait && headExists(h, account)) {
        return 0; // another node is chaining this account right now
      }
      // the account's first event: create its head (a concurrent creator makes this a no-op)
      h.createUpdate(
              "insert into audit_heads (account_id, seq, hash) values (:a, 0, :g)"
                  + " on conflict do nothing")
          .bind("a", account)
          .bind("g", AuditChain.GENESIS)
          .execute();
      locked = lockHead(h, account, wait);
      if (locked.isEmpty()) {
        return 0;
      }
    }
    List<Pending> rows =
        h.createQuery(
                "select * from audit_pending where account_id = :a order by id limit " + BATCH)
            .bind("a", account)
            .map((rs, ctx) -> new Pending(rs.getLong("id"), JdbcAuditLog.pendingRecord(rs)))
            .list();
    if (rows.isEmpty()) {
      return 0;
    }
    long seq = locked.get().seq();
    String prev = locked.get().hash();
    PreparedBatch insert = h.prepareBatch(JdbcAuditLog.INSERT_LOG);
    List<Long> ids = new ArrayList<>(rows.size());
    for (Pending p : rows) {
      AuditRecord r = p.record().chainedAt(++seq, prev);
      prev = r.hash();
      JdbcAuditLog.bindLog(insert, r).add();
      ids.add(p.id());
    }
    insert.execute();
    int deleted =
        h.createUpdate("delete from audit_pending where id in (<ids>)")
            .bindList("ids", ids)
            .execute();
    if (deleted != ids.size()) {
      throw new IllegalStateException(
          "audit rows of " + account + " were chained by two sequencers at once");
    }
    h.createUpdate("update audit_heads set seq = :s, hash = :h where account_id = :a")
        .bind("s", seq)
        .bind("h", prev)
        .bind("a", account)
        .execute();
    return rows.size();
  }

  private static Optional<JdbcAuditLog.Head> lockHead(Handle h, String account, boolean wait) {
    return h.createQuery(
            "select seq, hash from audit_heads where account_id = :a for update"
                + (wait ? "" : " skip locked"))
        .bind("a", account)
        .map((rs, ctx) -> new JdbcAuditLog.Head(account, rs.getLong("seq"), rs.getString("hash")))
        .findOne();
  }

  private static boolean headExists(Handle h, String account) {
    return h.createQuery("select 1 from audit_heads where account_id = :a")
        .bind("a", account)
        .mapTo(Integer.class)
        .findOne()
        .isPresent();
  }

  private record Pending(long id, AuditRecord record) {}
}
