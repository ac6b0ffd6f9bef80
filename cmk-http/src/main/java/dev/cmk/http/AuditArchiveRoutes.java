package dev.cmk.http;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Texts;
import dev.cmk.service.audit.ArchiveAnchor;
import dev.cmk.service.audit.ArchiveSegment;
import dev.cmk.service.audit.AuditArchiveService;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The audit archive of an account (AUDIT.md, "Retention"): its anchor and segments, and one
 * segment's JSON lines exactly as archived, for the account's admins (operators for {@code
 * _platform}). Both are reads of the log, recorded after the read ({@code audit.archive_list},
 * {@code audit.archive_read}).
 */
final class AuditArchiveRoutes {
  private final AuditArchiveService archive;

  AuditArchiveRoutes(AuditArchiveService archive) {
    this.archive = archive;
  }

  void register(RoutesConfig r) {
    r.get("/v1/accounts/{accountId}/audit/archive", this::list);
    r.get("/v1/accounts/{accountId}/audit/archive/{firstSeq}", this::download);
  }

  /** Where the rows in the database continue from: {@code cmk audit verify --anchor-seq/-hash}. */
  record AnchorView(long seq, String hash, long segments, long rows) {}

  record SegmentView(
      long firstSeq,
      long lastSeq,
      String firstPrevHash,
      String lastHash,
      long rows,
      Instant firstAt,
      Instant lastAt,
      String sha256,
      long bytes,
      Instant archivedAt) {}

  record ArchiveView(String accountId, AnchorView anchor, List<SegmentView> segments) {}

  private void list(Context ctx) {
    String account = ctx.pathParam("accountId");
    AuditArchiveService.Listing l = archive.list(Callers.of(ctx), account);
    ArchiveAnchor a = l.anchor();
    Json.write(
        ctx,
        200,
        new ArchiveView(
            account,
            new AnchorView(a.seq(), a.hash(), a.segments(), a.rows()),
            l.segments().stream().map(AuditArchiveRoutes::view).toList()));
  }

  private static SegmentView view(ArchiveSegment s) {
    return new SegmentView(
        s.firstSeq(),
        s.lastSeq(),
        s.firstPrevHash(),
        s.lastHash(),
        s.rows(),
        s.firstAt(),
        s.lastAt(),
        s.sha256(),
        s.bytes(),
        s.archivedAt());
  }

  private void download(Context ctx) {
    String account = ctx.pathParam("accountId");
    String raw = ctx.pathParam("firstSeq");
    long firstSeq;
    try {
      firstSeq = Long.parseLong(raw);
    } catch (NumberFormatException e) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "firstSeq must be a whole number, not '" + Texts.abbreviate(raw, 40) + "'");
    }
    ArchiveSegment s = archive.segment(account, firstSeq); // 404 before anything is sent
    ctx.status(200)
        .contentType("application/x-ndjson")
        .header("X-CMK-Segment-Sha256", s.sha256())
        .header(
            "Content-Disposition",
            "attachment; filename=\""
                + account
                + "-audit-"
                + s.firstSeq()
                + "-"
                + s.lastSeq()
                + ".jsonl\"");
    archive.read(
        Callers.of(ctx),
        s,
        bytes -> {
          try {
            ctx.outputStream().write(bytes);
            ctx.outputStream().flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
