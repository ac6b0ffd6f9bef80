package dev.cmk.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.cmk.http.Json;
import dev.cmk.service.audit.AuditChain;
import dev.cmk.service.audit.AuditRecord;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cmk audit}: export an account's audit log, read its head, get the key-usage report, and
 * verify an export offline (no server, no database: {@link AuditChain} over the file's rows).
 */
@Command(
    name = "audit",
    description = "Export, anchor and verify an account's hash-chained audit log.",
    subcommands = {
      AuditCommand.Verify.class,
      AuditCommand.Export.class,
      AuditCommand.Head.class,
      AuditCommand.KeyUsage.class,
      AuditCommand.Archive.class,
      AuditCommand.Segment.class
    })
final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code cmk audit verify [segment.jsonl…] export.jsonl [--head-hash H] [--anchor-seq…]}. */
  @Command(
      name = "verify",
      description =
          "Recompute the hash chain of a JSON-lines export offline and report the first broken"
              + " seq. Several files are one chain in the order given: archive segments oldest"
              + " first (cmk audit segment), then the export. Exit 0 when it holds, 1 when it is"
              + " broken, 2 when a file cannot be read.")
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        arity = "1..*",
        description =
            "the export, e.g. from cmk audit export: JSON lines, or CSV if it ends in .csv;"
                + " archive segments before it")
    List<Path> files;

    @Option(
        names = "--head-hash",
        description = "the head's hash (cmk audit head) the export must reach")
    String headHash;

    @Option(
        names = "--anchor-seq",
        description =
            "the first file continues from this archived seq (cmk audit archive: anchor.seq)")
    Long anchorSeq;

    @Option(
        names = "--anchor-hash",
        description = "the hash of the anchor's row (cmk audit archive: anchor.hash)")
    String anchorHash;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if ((anchorSeq == null) != (anchorHash == null)) {
        err.println("--anchor-seq and --anchor-hash go together");
        return 2;
      }
      Optional<AuditChain.Anchor> anchor;
      try {
        anchor =
            anchorSeq == null
                ? Optional.empty()
                : Optional.of(new AuditChain.Anchor(anchorSeq, anchorHash));
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        return 2;
      }
      AuditChain.Verifier v = new AuditChain.Verifier(Optional.ofNullable(headHash), anchor);
      for (Path file : files) {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          boolean csv = file.getFileName().toString().endsWith(".csv");
          String problem = csv ? readCsv(in, v) : readJsonLines(in, v);
          if (!problem.isEmpty()) {
            err.println(file + ": " + problem);
            return 1;
          }
        } catch (IOException e) {
          err.println("cannot read " + file + ": " + e.getMessage());
          return 2;
        }
      }
      AuditChain.Verification result = v.finish();
      if (!result.ok()) {
        out.println(
            "BROKEN at seq "
                + result.firstBrokenSeq().orElseThrow()
                + ": "
                + result.problem()
                + " ("
                + result.rows()
                + " row(s) before it verified)");
        out.flush();
        return 1;
      }
      out.println(
          "OK: "
              + result.rows()
              + " row(s), seq "
              + result.anchoredAt()
              + ".."
              + result.lastSeq()
              + (anchor.isPresent()
                  ? " (continues from the anchor at seq " + anchor.get().seq() + ")"
                  : result.anchoredAt() > 1 ? " (anchored at the first row's prevHash)" : "")
              + (headHash != null ? ", reaches the head" : "")
              + ", last hash "
              + result.lastHash());
      out.flush();
      return 0;
    }
  }

  /** Feeds JSON lines to the verifier; returns a problem with the file, or empty. */
  static String readJsonLines(BufferedReader in, AuditChain.Verifier v) throws IOException {
    String line;
    int n = 0;
    while ((line = in.readLine()) != null) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      AuditRecord r;
      try {
        r = Json.MAPPER.readValue(line, AuditRecord.class);
      } catch (JsonProcessingException e) {
        return "line " + n + " is not an audit record: " + e.getOriginalMessage();
      }
      if (!v.accept(r)) {
        break;
      }
    }
    return "";
  }

  /** Feeds a CSV export (header row first) to the verifier. */
  static String readCsv(BufferedReader in, AuditChain.Verifier v) throws IOException {
    AuditCsv csv = new AuditCsv(in);
    for (Optional<AuditRecord> r = csv.read(); r.isPresent(); r = csv.read()) {
      if (!v.accept(r.get())) {
        break;
      }
    }
    return "";
  }

  /** The account and the time window shared by export and key-usage. */
  static final class Window {
    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Option(names = "--from", description = "from this time (ISO-8601 UTC), inclusive")
    String from;

    @Option(names = "--to", description = "up to this time (ISO-8601 UTC), exclusive")
    String to;

    @Option(
        names = "--format",
        defaultValue = "jsonl",
        description = "jsonl or csv (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--out", description = "write to this file instead of standard output")
    Path out;

    String query(long afterSeq, int limit) {
      StringBuilder q = new StringBuilder("?format=").append(enc(format));
      q.append("&afterSeq=").append(afterSeq).append("&limit=").append(limit);
      if (from != null) {
        q.append("&from=").append(enc(from));
      }
      if (to != null) {
        q.append("&to=").append(enc(to));
      }
      return q.toString();
    }
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Pages through a streamed report until a page comes back short; returns the exit code. */
  static int pages(CommandSpec spec, ApiClient api, Window w, String path, String extra)
      throws IOException, InterruptedException {
    int limit = 5_000;
    long after = 0;
    boolean header = true;
    try (Writer out =
        w.out == null
            ? new NonClosing(spec.commandLine().getOut())
            : Files.newBufferedWriter(w.out, StandardCharsets.UTF_8)) {
      while (true) {
        HttpResponse<String> r =
            api.send(
                "GET",
                "/v1/accounts/" + w.account + path + w.query(after, limit) + extra,
                null,
                null,
                null);
        if (r.statusCode() != 200) {
          spec.commandLine().getErr().println("HTTP " + r.statusCode());
          spec.commandLine().getErr().println(ApiClient.pretty(r.body()));
          return 1;
        }
        String[] lines = r.body().split("\r?\n");
        int rows = 0;
        for (int i = 0; i < lines.length; i++) {
          if (lines[i].isEmpty() || (i == 0 && w.format.equals("csv") && !header)) {
            continue; // one CSV header for the whole export
          }
          out.write(lines[i]);
          out.write(System.lineSeparator());
          if (!(i == 0 && w.format.equals("csv"))) {
            rows++;
            after = lastSeq(w.format, lines[i], after);
          }
        }
        header = false;
        if (rows < limit) {
          return 0;
        }
      }
    }
  }

  /** The seq of an exported line: the first CSV column (in both reports) or the JSON field. */
  private static long lastSeq(String format, String line, long previous) throws IOException {
    if (format.equals("csv")) {
      String first = line.substring(0, Math.max(0, line.indexOf(',')));
      return first.matches("\\d+") ? Long.parseLong(first) : previous;
    }
    return Json.MAPPER.readTree(line).path("seq").asLong(previous);
  }

  /** {@code cmk audit export}: the whole log (or a time window) as JSON lines or CSV. */
  @Command(
      name = "export",
      description = "Export the account's audit log (every page) as JSON lines or CSV.")
  static final class Export implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;
    @Mixin Window window;

    @Override
    public Integer call() throws Exception {
      return pages(spec, api.client(spec), window, "/audit", "");
    }
  }

  /** {@code cmk audit head}: the latest seq and hash, to anchor an export. */
  @Command(name = "head", description = "Print the audit log's head (latest seq and its hash).")
  static final class Head implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts/" + account + "/audit/head", null);
    }
  }

  /** {@code cmk audit key-usage}: who used which key on which asset, when. */
  @Command(
      name = "key-usage",
      description = "The key-usage report (from the audit log) as JSON lines or CSV.")
  static final class KeyUsage implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;
    @Mixin Window window;

    @Option(names = "--user", description = "only this user")
    String user;

    @Option(names = "--asset", description = "only this asset type")
    String asset;

    @Option(names = "--operation", description = "only this operation, e.g. content.read")
    String operation;

    @Override
    public Integer call() throws Exception {
      StringBuilder extra = new StringBuilder();
      if (user != null) {
        extra.append("&user=").append(enc(user));
      }
      if (asset != null) {
        extra.append("&asset=").append(enc(asset));
      }
      if (operation != null) {
        extra.append("&operation=").append(enc(operation));
      }
      return pages(spec, api.client(spec), window, "/key-usage", extra.toString());
    }
  }

  /** {@code cmk audit archive}: the anchor and the archive segments (AUDIT.md, "Retention"). */
  @Command(
      name = "archive",
      description =
          "List the account's archive segments (first/last seq, hashes, rows, time range) and the"
              + " anchor the rows still in the database continue from.")
  static final class Archive implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts/" + account + "/audit/archive", null);
    }
  }

  /** {@code cmk audit segment}: one archive segment, exactly as archived. */
  @Command(
      name = "segment",
      description = "Download one archive segment (JSON lines, as archived) by its first seq.")
  static final class Segment implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Option(names = "--first-seq", required = true, description = "the segment's first seq")
    long firstSeq;

    @Option(names = "--out", required = true, description = "write the segment to this file")
    Path out;

    @Override
    public Integer call() throws Exception {
      HttpResponse<String> r =
          api.client(spec)
              .send(
                  "GET",
                  "/v1/accounts/" + account + "/audit/archive/" + firstSeq,
                  null,
                  null,
                  null);
      if (r.statusCode() != 200) {
        spec.commandLine().getErr().println("HTTP " + r.statusCode());
        spec.commandLine().getErr().println(ApiClient.pretty(r.body()));
        return 1;
      }
      Files.writeString(out, r.body(), StandardCharsets.UTF_8);
      return 0;
    }
  }

  /** Standard output, which the command must not close. */
  private static final class NonClosing extends java.io.FilterWriter {
    NonClosing(Writer w) {
      super(w);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
