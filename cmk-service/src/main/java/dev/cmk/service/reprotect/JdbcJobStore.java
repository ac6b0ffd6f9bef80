package dev.cmk.service.reprotect;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.provider.KeyRef;
import dev.cmk.service.Texts;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.availability.KeyEventRows;
import dev.cmk.service.store.Database;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Jobs, items and leases in the metadata database. On PostgreSQL a claim locks its rows with {@code
 * FOR UPDATE SKIP LOCKED}, so nodes claiming at once take disjoint batches without waiting; on H2
 * (one node) a conditional update of the lease columns does the same job.
 */
public final class JdbcJobStore implements JobStore {
  private static final RowMapper<Job> JOB =
      (rs, ctx) -> {
        Timestamp fin = rs.getTimestamp("finished_at");
        return new Job(
            rs.getString("id"),
            rs.getString("account_id"),
            Job.Kind.valueOf(rs.getString("kind")),
            Job.Mode.valueOf(rs.getString("mode")),
            KeyRef.of(rs.getString("target_provider"), rs.getString("target_key_id")),
            Job.Status.valueOf(rs.getString("status")),
            rs.getLong("total"),
            rs.getString("last_error"),
            instant(rs, "created_at"),
            instant(rs, "updated_at"),
            fin == null ? Optional.empty() : Optional.of(instant(rs, "finished_at")),
            new Job.Scope(
                optional(rs.getString("scope_user")), optional(rs.getString("scope_asset_type"))));
      };

  private final Jdbi jdbi;
  private final boolean postgres;

  private static Optional<String> optional(String column) {
    return column == null || column.isEmpty() ? Optional.empty() : Optional.of(column);
  }

  public JdbcJobStore(Database db) {
    this.jdbi = db.jdbi();
    this.postgres = db.isPostgres();
  }

  private static String itemQuery(Items items) {
    return switch (items) {
      case FALLBACK_KEKS -> "select id from keks where account_id = :a and protection = 'FALLBACK'";
      case FALLBACK_OBJECTS ->
          "select id from objects where account_id = :a and protection = 'FALLBACK'";
      case KEKS_NOT_UNDER_TARGET ->
          "select id from keks where account_id = :a and protection in ('CMK', 'FALLBACK')"
              + " and not (root_provider = :tp and root_key_id = :tk)";
      // the same rule as ProtectionPolicy.choose, given that the account has an active key; :fu and
      // :ft are the job's filters ('' for none)
      case BACKFILL_OBJECTS ->
          "select o.id from objects o"
              + " join asset_types t on t.name = o.asset_type"
              + " join users u on u.account_id = o.account_id and u.user_id = o.owner_user_id"
              + " where o.account_id = :a and o.protection = 'PLATFORM'"
              + " and t.cmk_eligible = true and u.cmk_licensed = true"
              + " and (:fu = '' or o.owner_user_id = :fu) and (:ft = '' or o.asset_type = :ft)";
    };
  }

  @Override
  public Optional<Job> create(Job job, Items items, Function<Job, KeyEvent> started) {
    try {
      return jdbi.inTransaction(
          h -> {
            h.createUpdate(
                    "insert into jobs (id, account_id, kind, mode, target_provider, target_key_id,"
                        + " status, total, last_error, created_at, updated_at, scope_user,"
                        + " scope_asset_type)"
                        + " values (:id, :a, :k, :m, :tp, :tk, 'RUNNING', 0, '', :c, :c, :fu, :ft)")
                .bind("id", job.id())
                .bind("a", job.accountId())
                .bind("k", job.kind().name())
                .bind("m", job.mode().name())
                .bind("tp", job.target().provider())
                .bind("tk", job.target().keyId())
                .bind("c", ts(job.createdAt()))
                .bind("fu", job.scope().userId().orElse(""))
                .bind("ft", job.scope().assetType().orElse(""))
                .execute();
            h.createUpdate("insert into job_active (account_id, job_id) values (:a, :id)")
                .bind("a", job.accountId())
                .bind("id", job.id())
                .execute();
            int n =
                h.createUpdate(
                        "insert into job_items (job_id, item_id, status, attempts, error)"
                            + " select :id, q.id, 'PENDING', 0, '' from ("
                            + itemQuery(items)
                            + ") q")
                    .bind("id", job.id())
                    .bind("a", job.accountId())
                    .bind("tp", job.target().provider())
                    .bind("tk", job.target().keyId())
                    .bind("fu", job.scope().userId().orElse(""))
                    .bind("ft", job.scope().assetType().orElse(""))
                    .execute();
            h.createUpdate("update jobs set total = :n where id = :id")
                .bind("n", n)
                .bind("id", job.id())
                .execute();
            Job created = find(h, job.id()).orElseThrow();
            KeyEventRows.insert(h, started.apply(created));
            return Optional.of(created);
          });
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return Optional.empty();
      }
      throw e;
    }
  }

  @Override
  public long count(String accountId, Items items, KeyRef target) {
    return jdbi.withHandle(
        h ->
            h.createQuery("select count(*) from (" + itemQuery(items) + ") q")
                .bind("a", accountId)
                .bind("tp", target.provider())
                .bind("tk", target.keyId())
                .bind("fu", "")
                .bind("ft", "")
                .mapTo(Long.class)
                .one());
  }

  @Override
  public Optional<Job> find(String jobId) {
    return jdbi.withHandle(h -> find(h, jobId));
  }

  private static Optional<Job> find(Handle h, String jobId) {
    return h.createQuery("select * from jobs where id = :id").bind("id", jobId).map(JOB).findOne();
  }

  @Override
  public List<Job> list(String accountId, int limit) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select * from jobs where account_id = :a order by created_at desc, id"
                        + " limit :n")
                .bind("a", accountId)
                .bind("n", limit)
                .map(JOB)
                .list());
  }

  @Override
  public Optional<Job> running(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select j.* from jobs j join job_active a on a.job_id = j.id"
                        + " where a.account_id = :a")
                .bind("a", accountId)
                .map(JOB)
                .findOne());
  }

  @Override
  public List<Job> running() {
    return jdbi.withHandle(
        h ->
            h.createQuery("select * from jobs where status = 'RUNNING' order by created_at")
                .map(JOB)
                .list());
  }

  @Override
  public List<String> claim(String jobId, String token, int n, Instant now, Instant until) {
    // No ORDER BY: the (job_id, status) index hands out pending rows and LIMIT stops early.
    String free = " status = 'PENDING' and (lease_until is null or lease_until < :now)";
    if (postgres) {
      // A materialized CTE runs the locking pick exactly once; an IN (subquery … LIMIT) may be
      // re-run by the planner and claim more than n rows.
      return jdbi.inTransaction(
          h ->
              h.createQuery(
                      "with picked as materialized (select item_id from job_items"
                          + " where job_id = :j and"
                          + free
                          + " limit :n for update skip locked)"
                          + " update job_items i set lease_owner = :tok, lease_until = :until,"
                          + " attempts = i.attempts + 1 from picked"
                          + " where i.job_id = :j and i.item_id = picked.item_id"
                          + " returning i.item_id")
                  .bind("tok", token)
                  .bind("until", ts(until))
                  .bind("now", ts(now))
                  .bind("j", jobId)
                  .bind("n", n)
                  .mapTo(String.class)
                  .list());
    }
    return claimOneByOne(jobId, token, n, now, until, free);
  }

  /** The claim on H2: pick candidates, then take each with a conditional update. */
  private List<String> claimOneByOne(
      String jobId, String token, int n, Instant now, Instant until, String free) {
    return jdbi.inTransaction(
        h -> {
          List<String> candidates =
              h.createQuery(
                      "select item_id from job_items where job_id = :j and" + free + " limit :n")
                  .bind("j", jobId)
                  .bind("now", ts(now))
                  .bind("n", n)
                  .mapTo(String.class)
                  .list();
          if (candidates.isEmpty()) {
            return candidates;
          }
          PreparedBatch b =
              h.prepareBatch(
                  "update job_items set lease_owner = :tok, lease_until = :until,"
                      + " attempts = attempts + 1 where job_id = :j and item_id = :i and"
                      + free);
          for (String i : candidates) {
            b.bind("tok", token)
                .bind("until", ts(until))
                .bind("now", ts(now))
                .bind("j", jobId)
                .bind("i", i)
                .add();
          }
          int[] rows = b.execute();
          List<String> mine = new java.util.ArrayList<>();
          for (int k = 0; k < rows.length; k++) {
            if (rows[k] == 1) {
              mine.add(candidates.get(k));
            }
          }
          return mine;
        });
  }

  /**
   * One transaction for the whole batch, with one JDBC batch per statement kind: the items held
   * under {@code token} are settled, then the effects of those settled here (and only those) are
   * applied. Object moves go in one batched update, so a DEK re-wrap in the row costs the database
   * two batched statement executions per item and no round trip of its own.
   */
  @Override
  public int complete(String jobId, String token, List<Completion> done, Instant now) {
    return jdbi.inTransaction(
        h -> {
          List<Completion> mine = new java.util.ArrayList<>();
          if (postgres && !done.isEmpty()) {
            return completeSetBased(h, jobId, token, done, now);
          }
          if (!done.isEmpty()) {
            PreparedBatch settle =
                h.prepareBatch(
                    "update job_items set status = :s, error = :e, done_at = :now,"
                        + " lease_owner = null, lease_until = null"
                        + " where job_id = :j and item_id = :i and lease_owner = :tok"
                        + " and status = 'PENDING'");
            for (Completion c : done) {
              settle
                  .bind("s", c instanceof Failed ? "FAILED" : "DONE")
                  .bind("e", c instanceof Failed f ? Texts.abbreviate(f.error(), 480) : "")
                  .bind("now", ts(now))
                  .bind("j", jobId)
                  .bind("i", c.itemId())
                  .bind("tok", token)
                  .add();
            }
            int[] rows = settle.execute();
            for (int k = 0; k < rows.length; k++) {
              if (rows[k] == 1) {
                mine.add(done.get(k));
              }
            }
          }
          PreparedBatch moves =
              h.prepareBatch(
                  "update objects set kek_id = :nk, protection = 'CMK', wrapped_dek = :w"
                      + " where account_id = :a and id = :id and kek_id = :ok");
          int moved = 0;
          for (Completion c : mine) {
            if (c instanceof ObjectMoved o) {
              moves
                  .bind("nk", o.newKekId())
                  .bind("w", o.wrappedDek().length == 0 ? null : o.wrappedDek())
                  .bind("a", o.accountId())
                  .bind("id", o.itemId())
                  .bind("ok", o.oldKekId())
                  .add();
              moved++;
            } else {
              apply(h, c);
            }
          }
          if (moved > 0) {
            moves.execute();
          }
          h.createUpdate("update jobs set updated_at = :now where id = :j")
              .bind("now", ts(now))
              .bind("j", jobId)
              .execute();
          return mine.size();
        });
  }

  /**
   * PostgreSQL: the same effects in a handful of statements per batch instead of two per item: the
   * items held under {@code token} are settled by one UPDATE … RETURNING (failed items one by one,
   * with their errors), and the object moves of those settled here by one UPDATE … FROM unnest(…).
   * This is what lets a DEK re-wrap in the row run at database speed.
   */
  private int completeSetBased(
      Handle h, String jobId, String token, List<Completion> done, Instant now) {
    List<String> okIds = new java.util.ArrayList<>();
    List<Completion> mine = new java.util.ArrayList<>();
    for (Completion c : done) {
      if (c instanceof Failed f) {
        int n =
            h.createUpdate(
                    "update job_items set status = 'FAILED', error = :e, done_at = :now,"
                        + " lease_owner = null, lease_until = null"
                        + " where job_id = :j and item_id = :i and lease_owner = :tok"
                        + " and status = 'PENDING'")
                .bind("e", Texts.abbreviate(f.error(), 480))
                .bind("now", ts(now))
                .bind("j", jobId)
                .bind("i", f.itemId())
                .bind("tok", token)
                .execute();
        if (n == 1) {
          mine.add(c);
        }
      } else {
        okIds.add(c.itemId());
      }
    }
    java.util.Set<String> settled = new java.util.HashSet<>();
    if (!okIds.isEmpty()) {
      settled.addAll(
          h.createQuery(
                  "update job_items set status = 'DONE', error = '', done_at = :now,"
                      + " lease_owner = null, lease_until = null"
                      + " where job_id = :j and lease_owner = :tok and status = 'PENDING'"
                      + " and item_id = any(:ids) returning item_id")
              .bind("now", ts(now))
              .bind("j", jobId)
              .bind("tok", token)
              .bindArray("ids", String.class, okIds)
              .mapTo(String.class)
              .list());
    }
    List<String> ids = new java.util.ArrayList<>();
    List<String> accounts = new java.util.ArrayList<>();
    List<String> oldKeks = new java.util.ArrayList<>();
    List<String> newKeks = new java.util.ArrayList<>();
    List<String> wraps = new java.util.ArrayList<>();
    for (Completion c : done) {
      if (c instanceof Failed || !settled.contains(c.itemId())) {
        continue;
      }
      mine.add(c);
      if (c instanceof ObjectMoved o) {
        ids.add(o.itemId());
        accounts.add(o.accountId());
        oldKeks.add(o.oldKekId());
        newKeks.add(o.newKekId());
        wraps.add(
            o.wrappedDek().length == 0 ? null : java.util.HexFormat.of().formatHex(o.wrappedDek()));
      } else {
        apply(h, c);
      }
    }
    if (!ids.isEmpty()) {
      h.createUpdate(
              "update objects o set kek_id = v.nk, protection = 'CMK',"
                  + " wrapped_dek = decode(v.w, 'hex')"
                  + " from unnest(:ids, :accounts, :oks, :nks, :ws) as v(id, a, ok, nk, w)"
                  + " where o.account_id = v.a and o.id = v.id and o.kek_id = v.ok")
          .bindArray("ids", String.class, ids)
          .bindArray("accounts", String.class, accounts)
          .bindArray("oks", String.class, oldKeks)
          .bindArray("nks", String.class, newKeks)
          .bindArray("ws", String.class, wraps)
          .execute();
    }
    h.createUpdate("update jobs set updated_at = :now where id = :j")
        .bind("now", ts(now))
        .bind("j", jobId)
        .execute();
    return mine.size();
  }

  private static void apply(Handle h, Completion c) {
    if (c instanceof KekRewrapped k) {
      int moved =
          h.createUpdate(
                  "update keks set protection = 'CMK', root_provider = :tp, root_key_id = :tk,"
                      + " wrapped = :w, scope_tag = id"
                      + " where id = :id and root_provider = :fp and root_key_id = :fk")
              .bind("tp", k.to().provider())
              .bind("tk", k.to().keyId())
              .bind("w", k.wrapped())
              .bind("id", k.itemId())
              .bind("fp", k.from().provider())
              .bind("fk", k.from().keyId())
              .execute();
      if (moved == 1) {
        h.createUpdate(
                "update objects set protection = 'CMK' where kek_id = :id"
                    + " and protection = 'FALLBACK'")
            .bind("id", k.itemId())
            .execute();
      }
    }
  }

  @Override
  public void release(
      String jobId, String token, List<String> itemIds, Instant retryAt, String error) {
    jdbi.useTransaction(
        h -> {
          PreparedBatch b =
              h.prepareBatch(
                  "update job_items set lease_owner = null, lease_until = :r"
                      + " where job_id = :j and item_id = :i and lease_owner = :tok"
                      + " and status = 'PENDING'");
          for (String i : itemIds) {
            b.bind("r", ts(retryAt)).bind("j", jobId).bind("i", i).bind("tok", token).add();
          }
          if (!itemIds.isEmpty()) {
            b.execute();
          }
          h.createUpdate("update jobs set last_error = :e, updated_at = :now where id = :j")
              .bind("e", Texts.abbreviate(error, 480))
              .bind("now", ts(retryAt))
              .bind("j", jobId)
              .execute();
        });
  }

  @Override
  public Job.Progress progress(Job job, Instant now) {
    return jdbi.withHandle(h -> progress(h, job, now));
  }

  private static Job.Progress progress(Handle h, Job job, Instant now) {
    long done = countItems(h, job.id(), "DONE");
    long failed = countItems(h, job.id(), "FAILED");
    long pending = countItems(h, job.id(), "PENDING");
    Instant end = job.finishedAt().orElse(now);
    double secs = Math.max(0.001, Duration.between(job.createdAt(), end).toMillis() / 1e3);
    double rate = (done + failed) / secs;
    Optional<Long> eta =
        pending == 0
            ? Optional.of(0L)
            : rate > 0 ? Optional.of((long) Math.ceil(pending / rate)) : Optional.empty();
    return new Job.Progress(done, failed, pending, rate, eta);
  }

  private static long countItems(Handle h, String jobId, String status) {
    return h.createQuery("select count(*) from job_items where job_id = :j and status = :s")
        .bind("j", jobId)
        .bind("s", status)
        .mapTo(Long.class)
        .one();
  }

  @Override
  public boolean finish(Job job, Instant now, BiFunction<Job, Job.Progress, KeyEvent> finished) {
    return jdbi.inTransaction(
        h -> {
          if (countItems(h, job.id(), "PENDING") > 0) {
            return false;
          }
          String status = countItems(h, job.id(), "FAILED") > 0 ? "FAILED" : "SUCCEEDED";
          int ended =
              h.createUpdate(
                      "update jobs set status = :s, finished_at = :now, updated_at = :now"
                          + " where id = :j and status = 'RUNNING'")
                  .bind("s", status)
                  .bind("now", ts(now))
                  .bind("j", job.id())
                  .execute();
          if (ended != 1) {
            return false;
          }
          h.createUpdate("delete from job_active where job_id = :j").bind("j", job.id()).execute();
          if (job.kind() == Job.Kind.RECOVERY && job.mode().perObject()) {
            h.createUpdate(
                    "delete from keks where account_id = :a and protection = 'FALLBACK'"
                        + " and not exists (select 1 from objects o where o.kek_id = keks.id)"
                        + " and not exists (select 1 from live_sessions s where s.kek_id = keks.id)")
                .bind("a", job.accountId())
                .execute();
          }
          Job done = find(h, job.id()).orElseThrow();
          KeyEventRows.insert(h, finished.apply(done, progress(h, done, now)));
          return true;
        });
  }

  @Override
  public Job.Mode recoveryMode(String accountId) {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select recovery_mode from account_reprotect_options where account_id = :a")
                .bind("a", accountId)
                .mapTo(String.class)
                .findOne()
                .map(Job.Mode::valueOf)
                .orElse(Job.Mode.KEK_REWRAP));
  }

  @Override
  public void setRecoveryMode(String accountId, Job.Mode mode, Instant now) {
    jdbi.useTransaction(
        h -> {
          int n =
              h.createUpdate(
                      "update account_reprotect_options set recovery_mode = :m, updated_at = :u"
                          + " where account_id = :a")
                  .bind("a", accountId)
                  .bind("m", mode.name())
                  .bind("u", ts(now))
                  .execute();
          if (n == 0) {
            h.createUpdate(
                    "insert into account_reprotect_options (account_id, recovery_mode, updated_at)"
                        + " values (:a, :m, :u)")
                .bind("a", accountId)
                .bind("m", mode.name())
                .bind("u", ts(now))
                .execute();
          }
        });
  }

  @Override
  public List<String> accountsWithFallbackKeks() {
    return jdbi.withHandle(
        h ->
            h.createQuery(
                    "select distinct account_id from keks where protection = 'FALLBACK'"
                        + " order by account_id")
                .mapTo(String.class)
                .list());
  }
}
