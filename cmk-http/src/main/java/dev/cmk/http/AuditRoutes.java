package dev.cmk.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cmk.service.audit.AuditJsonl;
import dev.cmk.service.audit.AuditRecord;
import dev.cmk.service.audit.AuditService;
import dev.cmk.service.audit.AuditService.Format;
import dev.cmk.service.audit.AuditService.KeyUse;
import dev.cmk.service.audit.AuditService.UsageFilter;
import dev.cmk.service.audit.AuditService.Window;
import dev.cmk.service.audit.JdbcAuditLog.Head;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The account's audit log (export and chain head) and its key-usage report, for the account's
 * admins and operators. Exports stream JSON lines or CSV, at most {@code limit} rows after {@code
 * afterSeq}; a client pages on with the last seq it received until a page comes back short.
 *
 * <p>Audit rows are written by {@link AuditJsonl}, the same code that writes archive segments, so
 * segments and an export concatenate into one verifiable file.
 *
 * <p>Each export or report request is recorded in the account's log after its rows were read
 * ({@code audit.export}, {@code audit.key_usage}), so a later page holds the events of earlier
 * ones; the head is not recorded (see {@link AuditService}).
 */
final class AuditRoutes {
  private static final List<String> RECORD_COLUMNS =
      List.of(
          "seq",
          "v",
          "accountId",
          "at",
          "actorKind",
          "actorId",
          "action",
          "keyProvider",
          "keyId",
          "kekId",
          "protection",
          "asset",
          "objectId",
          "user",
          "requestId",
          "result",
          "details",
          "prevHash",
          "hash");
  private static final List<String> USAGE_COLUMNS =
      List.of(
          "seq",
          "at",
          "user",
          "asset",
          "operation",
          "objectId",
          "protection",
          "keyProvider",
          "keyId",
          "kekId",
          "result",
          "actorKind",
          "actorId",
          "requestId");

  private final AuditService audit;

  AuditRoutes(AuditService audit) {
    this.audit = audit;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/audit", this::export);
    r.get("/v1/accounts/{accountId}/audit/head", this::head);
    r.get("/v1/accounts/{accountId}/key-usage", this::keyUsage);
  }

  /** The chain head, to anchor an export: {@code cmk audit verify --head-hash}. */
  record HeadView(String accountId, long seq, String hash) {}

  private void head(Context ctx) {
    Head h = audit.head(ctx.pathParam("accountId"));
    Json.write(ctx, 200, new HeadView(h.accountId(), h.seq(), h.hash()));
  }

  private void export(Context ctx) {
    String account = ctx.pathParam("accountId");
    // every parameter is checked whatever the mode (schemathesis: follow=true took from=ä)
    Format format = format(ctx);
    Window w = window(ctx);
    if (ctx.queryParam("follow") != null && !ctx.queryParam("follow").equals("false")) {
      follow(ctx, account);
      return;
    }
    audit.head(account); // 404 for an unknown account before the stream starts
    stream(
        ctx,
        format,
        RECORD_COLUMNS,
        sink -> audit.export(Callers.of(ctx), account, format, w, sink::accept),
        AuditRoutes::recordRow,
        AuditJsonl::line);
  }

  /** Seconds between heartbeats when no row comes: below the server's idle timeout. */
  private static final java.time.Duration HEARTBEAT = java.time.Duration.ofSeconds(10);

  private static final java.time.Duration POLL = java.time.Duration.ofMillis(500);

  /**
   * {@code follow=true}: rows as they are chained, as JSON lines (blank lines are heartbeats) or,
   * with {@code Accept: text/event-stream}, as server-sent events whose id is the seq. Resumes
   * after {@code afterSeq} or the {@code Last-Event-ID} header; {@code layout} is {@code raw} (the
   * export's rows), {@code hec} (Splunk HTTP Event Collector events) or {@code ecs} (Elastic Common
   * Schema documents), both carrying the raw row whole so its chain can be verified; {@code
   * maxSeconds} (default and at most 3600) bounds the connection's life.
   */
  private void follow(Context ctx, String account) {
    if (!ctx.queryParam("follow").equals("true")) {
      throw bad("follow must be true or false");
    }
    String after =
        Optional.ofNullable(ctx.queryParam("afterSeq")).orElse(ctx.header("Last-Event-ID"));
    long afterSeq = 0;
    if (after != null && !after.isBlank()) {
      try {
        afterSeq = Long.parseLong(after.trim());
      } catch (NumberFormatException e) {
        throw bad("afterSeq (or Last-Event-ID) must be a seq number");
      }
      if (afterSeq < 0) {
        throw bad("afterSeq (or Last-Event-ID) must be 0 or more");
      }
    }
    String layout = Optional.ofNullable(ctx.queryParam("layout")).orElse("raw");
    if (!List.of("raw", "hec", "ecs").contains(layout)) {
      throw bad("layout must be raw, hec or ecs");
    }
    long maxSeconds = AuditService.MAX_FOLLOW.toSeconds();
    String m = ctx.queryParam("maxSeconds");
    if (m != null) {
      try {
        maxSeconds = Long.parseLong(m);
      } catch (NumberFormatException e) {
        throw bad("maxSeconds must be a whole number of seconds");
      }
      if (maxSeconds < 1 || maxSeconds > AuditService.MAX_FOLLOW.toSeconds()) {
        throw bad("maxSeconds must be between 1 and " + AuditService.MAX_FOLLOW.toSeconds());
      }
    }
    audit.head(account); // 404 for an unknown account before the stream starts
    String accept = Optional.ofNullable(ctx.header("Accept")).orElse("");
    boolean sse = accept.contains("text/event-stream");
    ctx.status(200)
        .contentType(sse ? "text/event-stream; charset=utf-8" : "application/x-ndjson")
        .header("Cache-Control", "no-store")
        .header("X-Accel-Buffering", "no");
    String lay = layout;
    try (Writer w =
        new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8))) {
      long[] lastBeat = {System.nanoTime()};
      audit.follow(
          Callers.of(ctx),
          account,
          afterSeq,
          java.time.Duration.ofSeconds(maxSeconds),
          POLL,
          new AuditService.FollowSink() {
            @Override
            public void row(AuditRecord r) {
              String line = layout(lay, r);
              try {
                if (sse) {
                  w.write("id: " + r.seq() + "\nevent: audit\ndata: " + line + "\n\n");
                } else {
                  w.write(line);
                  w.write('\n');
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }

            @Override
            public void idle() {
              try {
                if (System.nanoTime() - lastBeat[0] >= HEARTBEAT.toNanos()) {
                  w.write(sse ? ": heartbeat\n\n" : "\n");
                  lastBeat[0] = System.nanoTime();
                }
                w.flush();
                ctx.res().flushBuffer();
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One followed row in the requested layout; hec and ecs embed the raw row unchanged. */
  static String layout(String layout, AuditRecord r) {
    String raw = AuditJsonl.line(r);
    return switch (layout) {
      case "hec" ->
          "{\"time\":"
              + r.at().toEpochMilli() / 1000
              + "."
              + String.format(java.util.Locale.ROOT, "%03d", r.at().toEpochMilli() % 1000)
              + ",\"source\":\"cmk\",\"sourcetype\":\"cmk:audit\",\"fields\":{\"accountId\":"
              + Json.text(r.accountId())
              + ",\"seq\":"
              + r.seq()
              + "},\"event\":"
              + raw
              + "}";
      case "ecs" ->
          "{\"@timestamp\":"
              + Json.text(r.at().toString())
              + ",\"event\":{\"dataset\":\"cmk.audit\",\"action\":"
              + Json.text(r.action())
              + ",\"outcome\":"
              + Json.text(r.result())
              + ",\"sequence\":"
              + r.seq()
              + ",\"hash\":"
              + Json.text(r.hash())
              + "},\"cmk\":{\"audit\":"
              + raw
              + "}}";
      default -> raw;
    };
  }

  private static dev.cmk.service.CmkException bad(String message) {
    return new dev.cmk.service.CmkException(dev.cmk.service.ErrorCode.INVALID_REQUEST, message);
  }

  private void keyUsage(Context ctx) {
    String account = ctx.pathParam("accountId");
    Format format = format(ctx);
    Window w = window(ctx);
    UsageFilter f =
        new UsageFilter(
            Optional.ofNullable(ctx.queryParam("user")),
            Optional.ofNullable(ctx.queryParam("asset")),
            Optional.ofNullable(ctx.queryParam("operation")));
    audit.head(account); // 404 for an unknown account before the stream starts
    stream(
        ctx,
        format,
        USAGE_COLUMNS,
        sink -> audit.keyUsage(Callers.of(ctx), account, format, w, f, sink::accept),
        AuditRoutes::usageRow,
        Json::text);
  }

  private static Window window(Context ctx) {
    return Window.parse(
        Optional.ofNullable(ctx.queryParam("afterSeq")),
        Optional.ofNullable(ctx.queryParam("from")),
        Optional.ofNullable(ctx.queryParam("to")),
        Optional.ofNullable(ctx.queryParam("limit")));
  }

  private static Format format(Context ctx) {
    return Format.parse(Optional.ofNullable(ctx.queryParam("format")));
  }

  private static <T> void stream(
      Context ctx,
      Format format,
      List<String> columns,
      Consumer<Consumer<T>> rows,
      Function<T, List<String>> csvRow,
      Function<T, String> jsonRow) {
    boolean csv = format == Format.CSV;
    ctx.status(200).contentType(csv ? "text/csv; charset=utf-8" : "application/x-ndjson");
    try (Writer w =
        new BufferedWriter(new OutputStreamWriter(ctx.outputStream(), StandardCharsets.UTF_8))) {
      if (csv) {
        csvLine(w, columns);
      }
      rows.accept(
          row -> {
            try {
              if (csv) {
                csvLine(w, csvRow.apply(row));
              } else {
                w.write(jsonRow.apply(row));
                w.write('\n');
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> recordRow(AuditRecord r) {
    return List.of(
        Long.toString(r.seq()),
        Integer.toString(r.v()),
        r.accountId(),
        r.at().toString(),
        r.actorKind(),
        r.actorId(),
        r.action(),
        r.keyProvider(),
        r.keyId(),
        r.kekId(),
        r.protection(),
        r.asset(),
        r.objectId(),
        r.user(),
        r.requestId(),
        r.result(),
        json(r.details()),
        r.prevHash(),
        r.hash());
  }

  private static List<String> usageRow(KeyUse u) {
    return List.of(
        Long.toString(u.seq()),
        u.at().toString(),
        u.user(),
        u.asset(),
        u.operation(),
        u.objectId(),
        u.protection(),
        u.keyProvider(),
        u.keyId(),
        u.kekId(),
        u.result(),
        u.actorKind(),
        u.actorId(),
        u.requestId());
  }

  private static String json(Map<String, String> m) {
    try {
      return Json.MAPPER.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. */
  static void csvLine(Writer w, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        w.write(',');
      }
      String f = fields.get(i);
      if (f.indexOf(',') >= 0
          || f.indexOf('"') >= 0
          || f.indexOf('\n') >= 0
          || f.indexOf('\r') >= 0) {
        w.write('"');
        w.write(f.replace("\"", "\"\""));
        w.write('"');
      } else {
        w.write(f);
      }
    }
    w.write("\r\n");
  }
}
