package dev.cmk.service.audit;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Texts;
import dev.cmk.service.audit.JdbcAuditLog.Filter;
import dev.cmk.service.audit.JdbcAuditLog.Head;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reading the audit log: the export (every field, so it can be verified), the chain head (to anchor
 * an export), and the key-usage report (who, which asset, when, which operation, which key). Rows
 * go to a sink page by page, so an export never sits in memory as a whole.
 *
 * <p>Every export and key-usage read is itself appended to the account's chain ({@code
 * audit.export}, {@code audit.key_usage}: who, the format, the window and filters, how many rows,
 * which seqs) after its rows were read, so a read never contains its own event. A failed or
 * interrupted read is recorded too, with the rows it had sent. Reading the head is not recorded: it
 * reveals no event, and a poller whose every poll moved the head would never see it stand still
 * (AUDIT.md).
 */
public final class AuditService {
  public static final int DEFAULT_LIMIT = 1_000;
  public static final int MAX_LIMIT = 10_000;
  private static final int PAGE = 500;

  private final JdbcAuditLog log;
  private final AccountCheck accounts;

  public AuditService(JdbcAuditLog log, AccountCheck accounts) {
    this.log = log;
    this.accounts = accounts;
  }

  /** How the rows of a read are written; recorded with the read. */
  public enum Format {
    JSONL,
    CSV;

    /** Parses {@code jsonl} (the default) or {@code csv}; else 400 {@code invalid_request}. */
    public static Format parse(Optional<String> s) {
      return switch (s.orElse("jsonl")) {
        case "jsonl" -> JSONL;
        case "csv" -> CSV;
        default -> throw invalid("format must be jsonl or csv");
      };
    }

    /** The name in the query parameter and in the audit record. */
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * A window of the log: rows after {@code afterSeq} appended in [from, to), at most {@code limit}.
   * A client pages by asking again with the last seq it received until a page comes back short.
   */
  public record Window(long afterSeq, Optional<Instant> from, Optional<Instant> to, int limit) {
    /** Parses the query parameters; a bad one is 400 {@code invalid_request} naming it. */
    public static Window parse(
        Optional<String> afterSeq,
        Optional<String> from,
        Optional<String> to,
        Optional<String> limit) {
      long after = afterSeq.map(s -> number("afterSeq", s)).orElse(0L);
      long max = limit.map(s -> number("limit", s)).orElse((long) DEFAULT_LIMIT);
      if (after < 0) {
        throw invalid("afterSeq must be 0 or more");
      }
      if (max < 1 || max > MAX_LIMIT) {
        throw invalid("limit must be between 1 and " + MAX_LIMIT);
      }
      Optional<Instant> f = from.map(s -> instant("from", s));
      Optional<Instant> t = to.map(s -> instant("to", s));
      if (f.isPresent() && t.isPresent() && !f.get().isBefore(t.get())) {
        throw invalid("from must be before to");
      }
      return new Window(after, f, t, (int) max);
    }

    private static long number(String name, String s) {
      try {
        return Long.parseLong(s);
      } catch (NumberFormatException e) {
        throw invalid(name + " must be a whole number, not '" + Texts.abbreviate(s, 40) + "'");
      }
    }

    private static Instant instant(String name, String s) {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw invalid(
            name
                + " must be an ISO-8601 UTC time like 2026-11-29T10:00:00Z, not '"
                + Texts.abbreviate(s, 40)
                + "'");
      }
    }
  }

  /** The account's latest seq and hash. */
  public Head head(String accountId) {
    requireAccount(accountId);
    return log.head(accountId);
  }

  /**
   * Streams the window's rows, ascending seq, then records the read ({@code audit.export}) for
   * {@code caller}.
   */
  public void export(
      Caller caller, String accountId, Format format, Window w, Consumer<AuditRecord> sink) {
    requireAccount(accountId);
    Filter f =
        new Filter(w.afterSeq(), w.from(), w.to(), List.of(), Optional.empty(), Optional.empty());
    AuditEvent read = readEvent(accountId, caller, Actions.AUDIT_EXPORT, format, w);
    streamAndRecord(accountId, f, w.limit(), read, sink);
  }

  /**
   * One row of the key-usage report.
   *
   * @param operation the action, e.g. {@code content.write}
   * @param user the end user the content belongs to (empty for search-index operations)
   */
  public record KeyUse(
      long seq,
      Instant at,
      String user,
      String asset,
      String operation,
      String objectId,
      String protection,
      String keyProvider,
      String keyId,
      String kekId,
      String result,
      String actorKind,
      String actorId,
      String requestId) {
    static KeyUse of(AuditRecord r) {
      return new KeyUse(
          r.seq(),
          r.at(),
          r.user(),
          r.asset(),
          r.action(),
          r.objectId(),
          r.protection(),
          r.keyProvider(),
          r.keyId(),
          r.kekId(),
          r.result(),
          r.actorKind(),
          r.actorId(),
          r.requestId());
    }
  }

  /**
   * What the key-usage report is filtered by, besides the window (exact matches).
   *
   * @param operation one of {@link Actions#KEY_USES}, else 400 {@code invalid_request}
   */
  public record UsageFilter(
      Optional<String> user, Optional<String> asset, Optional<String> operation) {
    public UsageFilter {
      if (operation.isPresent() && !Actions.KEY_USES.contains(operation.get())) {
        throw invalid(
            "operation must be one of "
                + Actions.KEY_USES.stream().sorted().toList()
                + ", not '"
                + Texts.abbreviate(operation.get(), 40)
                + "'");
      }
    }
  }

  /**
   * Streams the key uses in the window that match {@code u}, ascending seq, then records the read
   * ({@code audit.key_usage}) for {@code caller}.
   */
  public void keyUsage(
      Caller caller,
      String accountId,
      Format format,
      Window w,
      UsageFilter u,
      Consumer<KeyUse> sink) {
    requireAccount(accountId);
    List<String> actions =
        u.operation().map(List::of).orElseGet(() -> Actions.KEY_USES.stream().sorted().toList());
    Filter f = new Filter(w.afterSeq(), w.from(), w.to(), actions, u.user(), u.asset());
    AuditEvent read = readEvent(accountId, caller, Actions.AUDIT_KEY_USAGE, format, w);
    read = with(read, "filter.user", u.user());
    read = with(read, "filter.asset", u.asset());
    read = with(read, "filter.operation", u.operation());
    streamAndRecord(accountId, f, w.limit(), read, r -> sink.accept(KeyUse.of(r)));
  }

  private static AuditEvent readEvent(
      String accountId, Caller caller, String action, Format format, Window w) {
    AuditEvent e =
        AuditEvent.of(accountId, caller, action)
            .withDetail("format", format.wire())
            .withDetail("afterSeq", Long.toString(w.afterSeq()))
            .withDetail("limit", Integer.toString(w.limit()));
    e = with(e, "from", w.from().map(Instant::toString));
    return with(e, "to", w.to().map(Instant::toString));
  }

  private static AuditEvent with(AuditEvent e, String key, Optional<String> value) {
    return value.map(v -> e.withDetail(key, v)).orElse(e);
  }

  /**
   * Streams, then appends {@code read} with the number of rows sent and the first and last seq
   * among them; after a failure (e.g. the client went away) it appends the rows sent so far with
   * the failure's result, and rethrows.
   */
  private void streamAndRecord(
      String accountId, Filter f, int limit, AuditEvent read, Consumer<AuditRecord> sink) {
    long[] sent = {0, 0, 0}; // rows, first seq, last seq
    Consumer<AuditRecord> counting =
        r -> {
          sink.accept(r);
          if (sent[0]++ == 0) {
            sent[1] = r.seq();
          }
          sent[2] = r.seq();
        };
    try {
      stream(accountId, f, limit, counting);
    } catch (RuntimeException e) {
      log.recordFailure(counted(read, sent), e);
      throw e;
    }
    log.record(counted(read, sent));
  }

  private static AuditEvent counted(AuditEvent read, long[] sent) {
    AuditEvent e = read.withDetail("rows", Long.toString(sent[0]));
    if (sent[0] > 0) {
      e =
          e.withDetail("firstSeq", Long.toString(sent[1]))
              .withDetail("lastSeq", Long.toString(sent[2]));
    }
    return e;
  }

  private void stream(String accountId, Filter f, int limit, Consumer<AuditRecord> sink) {
    int left = limit;
    Filter next = f;
    while (left > 0) {
      List<AuditRecord> page = log.page(accountId, next, Math.min(PAGE, left));
      page.forEach(sink);
      left -= page.size();
      if (page.size() < Math.min(PAGE, left + page.size())) {
        return;
      }
      next = next.after(page.get(page.size() - 1).seq());
    }
  }

  /** Where a follow stream's rows go; {@code idle} is called when no new row came for a while. */
  public interface FollowSink {
    void row(AuditRecord r);

    void idle();
  }

  /** Longest a follow stream stays open; a client reconnects with the last seq it received. */
  public static final java.time.Duration MAX_FOLLOW = java.time.Duration.ofHours(1);

  /**
   * Streams the account's chained rows after {@code afterSeq} in seq order, then keeps polling for
   * new ones (every {@code poll}; {@code sink.idle()} after each empty poll) until {@code lifetime}
   * is over or the sink throws (the client went away). Only rows already chained are read, so rows
   * come in seq order with no gaps whatever writes them. The read is recorded once, when the stream
   * ends ({@code audit.export} with {@code follow=true}, the rows sent and their first and last
   * seq), so the stream does not feed on its own records.
   */
  public void follow(
      Caller caller,
      String accountId,
      long afterSeq,
      java.time.Duration lifetime,
      java.time.Duration poll,
      FollowSink sink) {
    requireAccount(accountId);
    if (afterSeq < 0) {
      throw invalid("afterSeq must be 0 or more");
    }
    AuditEvent read =
        AuditEvent.of(accountId, caller, Actions.AUDIT_EXPORT)
            .withDetail("format", "follow")
            .withDetail("follow", "true")
            .withDetail("afterSeq", Long.toString(afterSeq));
    long[] sent = {0, 0, 0};
    long end = System.nanoTime() + lifetime.toNanos();
    long cursor = afterSeq;
    try {
      while (System.nanoTime() < end) {
        List<AuditRecord> page =
            log.page(
                accountId,
                new Filter(
                    cursor,
                    Optional.empty(),
                    Optional.empty(),
                    List.of(),
                    Optional.empty(),
                    Optional.empty()),
                PAGE);
        for (AuditRecord r : page) {
          sink.row(r);
          if (sent[0]++ == 0) {
            sent[1] = r.seq();
          }
          sent[2] = r.seq();
          cursor = r.seq();
        }
        if (page.size() < PAGE) {
          sink.idle();
          long left = end - System.nanoTime();
          if (left > 0) {
            Thread.sleep(Math.min(poll.toMillis(), Math.max(1, left / 1_000_000)));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      log.recordFailure(counted(read, sent), e);
      throw e;
    }
    log.record(counted(read, sent));
  }

  /** 404 {@code account_not_found} unless the account exists ({@code _platform} always does). */
  void requireAccount(String accountId) {
    if (!accountId.equals(AuditEvent.PLATFORM_ACCOUNT)) {
      accounts.require(accountId);
    }
  }

  private static CmkException invalid(String message) {
    return new CmkException(ErrorCode.INVALID_REQUEST, message);
  }
}
