package dev.cmk.service.search;

import static dev.cmk.service.store.Database.instant;
import static dev.cmk.service.store.Database.ts;

import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.Database;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Function;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.mapper.RowMapper;

/**
 * The encrypted search index in the metadata database. A change locks its rows with {@code SELECT …
 * FOR UPDATE} (document row first, then posting rows in term-hash order) and writes each row only
 * if its version is still the one read, so two writers of one term never lose an update, on H2 and
 * on PostgreSQL alike. A row that did not exist yet cannot be locked: two first writers of a term
 * race on the primary key, and the loser retries.
 */
public final class JdbcSearchIndexStore implements SearchIndexStore {
  private static final RowMapper<Index> INDEX =
      (rs, ctx) ->
          new Index(
              rs.getString("account_id"),
              rs.getString("index_id"),
              rs.getString("kek_id"),
              Protection.valueOf(rs.getString("protection")),
              instant(rs, "created_at"));
  private static final RowMapper<Sealed> SEALED =
      (rs, ctx) ->
          new Sealed(
              rs.getString("index_id"),
              rs.getString("kek_id"),
              rs.getBytes("envelope"),
              rs.getLong("version"));

  private final Jdbi jdbi;
  private final Clock clock;

  public JdbcSearchIndexStore(Database db, Clock clock) {
    this.jdbi = db.jdbi();
    this.clock = clock;
  }

  @Override
  public Optional<Index> findIndex(String accountId) {
    return jdbi.withHandle(h -> findIndex(h, accountId));
  }

  private static Optional<Index> findIndex(Handle h, String accountId) {
    return h.createQuery("select * from search_indexes where account_id = :a")
        .bind("a", accountId)
        .map(INDEX)
        .findOne();
  }

  @Override
  public Index replaceIndex(Optional<Index> expected, Index next) {
    try {
      return jdbi.inTransaction(
          h -> {
            int changed;
            if (expected.isEmpty()) {
              changed =
                  h.createUpdate(
                          "insert into search_indexes (account_id, index_id, kek_id, protection,"
                              + " created_at) values (:a, :i, :k, :p, :c)")
                      .bind("a", next.accountId())
                      .bind("i", next.indexId())
                      .bind("k", next.kekId())
                      .bind("p", next.protection().name())
                      .bind("c", ts(next.createdAt()))
                      .execute();
            } else {
              changed =
                  h.createUpdate(
                          "update search_indexes set index_id = :i, kek_id = :k, protection = :p,"
                              + " created_at = :c where account_id = :a and index_id = :old")
                      .bind("a", next.accountId())
                      .bind("i", next.indexId())
                      .bind("k", next.kekId())
                      .bind("p", next.protection().name())
                      .bind("c", ts(next.createdAt()))
                      .bind("old", expected.get().indexId())
                      .execute();
            }
            if (changed != 1) {
              return findIndex(h, next.accountId()).orElseThrow();
            }
            for (String table : List.of("search_postings", "search_documents")) {
              h.createUpdate("delete from " + table + " where account_id = :a and index_id <> :i")
                  .bind("a", next.accountId())
                  .bind("i", next.indexId())
                  .execute();
            }
            return next;
          });
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e)) {
        return findIndex(next.accountId()).orElseThrow(() -> e);
      }
      throw e;
    }
  }

  @Override
  public Map<String, Sealed> postings(String accountId, Collection<String> termHashes) {
    if (termHashes.isEmpty()) {
      return Map.of();
    }
    return jdbi.withHandle(
        h -> {
          Map<String, Sealed> out = new LinkedHashMap<>();
          h.createQuery(
                  "select * from search_postings where account_id = :a and term_hash in (<t>)")
              .bind("a", accountId)
              .bindList("t", List.copyOf(termHashes))
              .map((rs, ctx) -> Map.entry(rs.getString("term_hash"), SEALED.map(rs, ctx)))
              .forEach(e -> out.put(e.getKey(), e.getValue()));
          return out;
        });
  }

  @Override
  public <T> T inTransaction(Function<Tx, T> work) {
    try {
      return jdbi.inTransaction(h -> work.apply(new JdbcTx(h)));
    } catch (ConcurrentChangeException e) {
      throw e;
    } catch (RuntimeException e) {
      if (Database.isUniqueViolation(e) || isLockConflict(e)) {
        throw new ConcurrentChangeException("a search index row was changed concurrently", e);
      }
      throw e;
    }
  }

  /** Deadlock, serialization failure or lock timeout: another writer held the row. */
  private static boolean isLockConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        String state = s.getSQLState();
        // 40001 serialization/deadlock (both), 40P01 deadlock and 55P03 lock_not_available
        // (PostgreSQL), HYT00 lock timeout (H2)
        if ("40001".equals(state)
            || "40P01".equals(state)
            || "55P03".equals(state)
            || "HYT00".equals(state)) {
          return true;
        }
      }
    }
    return false;
  }

  private final class JdbcTx implements Tx {
    private final Handle h;

    JdbcTx(Handle h) {
      this.h = h;
    }

    @Override
    public Optional<Sealed> lockDocument(String accountId, String docHash) {
      return h.createQuery(
              "select * from search_documents where account_id = :a and doc_hash = :d for update")
          .bind("a", accountId)
          .bind("d", docHash)
          .map(SEALED)
          .findOne();
    }

    @Override
    public Map<String, Sealed> lockPostings(String accountId, SortedSet<String> termHashes) {
      Map<String, Sealed> out = new LinkedHashMap<>();
      // one statement per row, in sorted order: the lock order is ours, not the planner's
      for (String t : termHashes) {
        h.createQuery(
                "select * from search_postings where account_id = :a and term_hash = :t"
                    + " for update")
            .bind("a", accountId)
            .bind("t", t)
            .map(SEALED)
            .findOne()
            .ifPresent(s -> out.put(t, s));
      }
      return out;
    }

    @Override
    public void putDocument(
        String accountId, String docHash, Optional<Sealed> previous, Sealed next) {
      put("search_documents", "doc_hash", accountId, docHash, previous, next);
    }

    @Override
    public void deleteDocument(String accountId, String docHash, Sealed previous) {
      delete("search_documents", "doc_hash", accountId, docHash, previous);
    }

    @Override
    public void putPosting(
        String accountId, String termHash, Optional<Sealed> previous, Sealed next) {
      put("search_postings", "term_hash", accountId, termHash, previous, next);
    }

    @Override
    public void deletePosting(String accountId, String termHash, Sealed previous) {
      delete("search_postings", "term_hash", accountId, termHash, previous);
    }

    private void put(
        String table,
        String keyColumn,
        String accountId,
        String key,
        Optional<Sealed> previous,
        Sealed next) {
      int n;
      if (previous.isEmpty()) {
        n =
            h.createUpdate(
                    "insert into "
                        + table
                        + " (account_id, "
                        + keyColumn
                        + ", index_id, kek_id, envelope, version, updated_at)"
                        + " values (:a, :key, :i, :k, :e, 1, :now)")
                .bind("a", accountId)
                .bind("key", key)
                .bind("i", next.indexId())
                .bind("k", next.kekId())
                .bind("e", next.envelope())
                .bind("now", ts(clock.instant()))
                .execute();
      } else {
        n =
            h.createUpdate(
                    "update "
                        + table
                        + " set index_id = :i, kek_id = :k, envelope = :e, version = version + 1,"
                        + " updated_at = :now where account_id = :a and "
                        + keyColumn
                        + " = :key and version = :v")
                .bind("a", accountId)
                .bind("key", key)
                .bind("i", next.indexId())
                .bind("k", next.kekId())
                .bind("e", next.envelope())
                .bind("now", ts(clock.instant()))
                .bind("v", previous.get().version())
                .execute();
      }
      if (n != 1) {
        throw new ConcurrentChangeException("a search index row was changed concurrently", null);
      }
    }

    private void delete(
        String table, String keyColumn, String accountId, String key, Sealed previous) {
      int n =
          h.createUpdate(
                  "delete from "
                      + table
                      + " where account_id = :a and "
                      + keyColumn
                      + " = :key and version = :v")
              .bind("a", accountId)
              .bind("key", key)
              .bind("v", previous.version())
              .execute();
      if (n != 1) {
        throw new ConcurrentChangeException("a search index row was changed concurrently", null);
      }
    }
  }
}
