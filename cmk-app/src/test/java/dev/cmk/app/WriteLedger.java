package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;

/**
 * Black-box load and bookkeeping for the crash drills: concurrent clients write (PUT with their own
 * object id, or POST with an {@code Idempotency-Key}) and read content over HTTP only; every write
 * is recorded as acknowledged (2xx) or in doubt (refused or unanswered). {@link #verify} then
 * checks, over HTTP and with the product's own audit verifier ({@code cmk audit verify}), what a
 * 2xx promises: every acknowledged write reads back byte-identical, every write in doubt is
 * entirely there or entirely absent, the audit chain verifies and holds a {@code content.write} row
 * for every object that exists.
 */
final class WriteLedger {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One write: its object id and how to regenerate its body. */
  record Write(String id, long seed, int size, String idempotencyKey) {
    byte[] body() {
      byte[] b = new byte[size];
      new SplittableRandom(seed).nextBytes(b);
      return b;
    }
  }

  final String account;
  final String serviceToken;
  final String adminToken;
  final String user;
  final String asset;
  final Map<String, Write> acked = new ConcurrentHashMap<>();
  final Map<String, Write> inDoubt = new ConcurrentHashMap<>();

  /** Writes found entirely present after a crash although never acknowledged (checked again). */
  final Map<String, Write> presentInDoubt = new ConcurrentHashMap<>();

  final List<String> violations = java.util.Collections.synchronizedList(new ArrayList<>());
  final AtomicLong attempts = new AtomicLong();
  final AtomicLong reads = new AtomicLong();

  /** Write answers other than 2xx by status and error code, and unanswered ones by exception. */
  final Map<String, AtomicLong> failures = new java.util.concurrent.ConcurrentSkipListMap<>();

  private void outcome(String what) {
    failures.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }

  private static String errorCode(String body) {
    try {
      return JSON.readTree(body).path("error").path("code").asText();
    } catch (IOException e) {
      return "";
    }
  }

  /** Answers other than 2xx and requests left unanswered (each one retried when retrying). */
  final AtomicLong retries = new AtomicLong();

  long inDoubtPresent;
  long inDoubtAbsent;
  final Set<String> absentIds = ConcurrentHashMap.newKeySet();
  private final AtomicInteger sequence = new AtomicInteger();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(3))
          .build();

  WriteLedger(String account, String serviceToken, String adminToken, String user, String asset) {
    this.account = account;
    this.serviceToken = serviceToken;
    this.adminToken = adminToken;
    this.user = user;
    this.asset = asset;
  }

  /** 1 KiB to 1 MiB, most of them small (log-uniform, skewed to the small end). */
  static int randomSize(SplittableRandom r) {
    double u = r.nextDouble();
    return (int) Math.min(1 << 20, Math.round(1024 * Math.pow(2, 10 * u * u)));
  }

  /** Runs {@code clients} threads of writes (70 %) and reads (30 %) until {@code stop} is set. */
  List<Thread> startClients(
      int clients,
      String round,
      java.util.function.Supplier<String> base,
      AtomicBoolean stop,
      boolean idempotent) {
    List<Thread> threads = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      int client = c;
      Thread t =
          new Thread(
              () -> {
                SplittableRandom r = new SplittableRandom(ThreadLocalRandom.current().nextLong());
                while (!stop.get()) {
                  if (r.nextInt(10) < 3 && !acked.isEmpty()) {
                    readOne(base.get(), r);
                  } else {
                    String id = round + "-" + client + "-" + sequence.incrementAndGet();
                    Write w =
                        new Write(id, r.nextLong(), randomSize(r), idempotent ? "k-" + id : null);
                    write(base, w, stop, idempotent);
                  }
                }
              },
              "crash-client-" + c);
      t.setDaemon(true);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  private void write(
      java.util.function.Supplier<String> base, Write w, AtomicBoolean stop, boolean retry) {
    inDoubt.put(w.id(), w); // in doubt until a 2xx says otherwise
    // a retrying client (Idempotency-Key) keeps at its write after the stop, for at most 90 s
    long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
    do {
      attempts.incrementAndGet();
      try {
        HttpResponse<String> r = http.send(writeRequest(base.get(), w), ofString());
        if (r.statusCode() / 100 == 2) {
          String id = w.id();
          if (w.idempotencyKey() != null) {
            id = JSON.readTree(r.body()).get("objectId").asText();
            inDoubt.remove(w.id());
            w = new Write(id, w.seed(), w.size(), w.idempotencyKey());
          }
          acked.put(id, w);
          inDoubt.remove(id);
          return;
        }
        retries.incrementAndGet();
        outcome(Integer.toString(r.statusCode()) + " " + errorCode(r.body()));
        if (r.statusCode() / 100 == 4 && r.statusCode() != 409) {
          violations.add("write " + w.id() + " refused as a client error: " + r.body());
          return;
        }
      } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException notSent) {
        // no connection: the request never reached a node, so it is not in doubt
        outcome("not sent: " + notSent.getClass().getSimpleName());
        if (!retry) {
          inDoubt.remove(w.id());
          sleep(100);
          return;
        }
      } catch (IOException | InterruptedException unanswered) {
        // the node died under the request (or the balancer moved us): in doubt
        retries.incrementAndGet();
        outcome(unanswered.getClass().getSimpleName());
      }
      if (retry) {
        sleep(200);
      }
    } while (retry && System.nanoTime() < giveUp);
  }

  private HttpRequest writeRequest(String base, Write w) {
    String path = "/v1/accounts/" + account + "/content/" + asset;
    HttpRequest.Builder b =
        HttpRequest.newBuilder()
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + serviceToken)
            .header("X-CMK-User", user)
            .header("Content-Type", "application/octet-stream");
    if (w.idempotencyKey() != null) {
      b.uri(URI.create(base + path))
          .header("Idempotency-Key", w.idempotencyKey())
          .POST(HttpRequest.BodyPublishers.ofByteArray(w.body()));
    } else {
      b.uri(URI.create(base + path + "/" + w.id()))
          .PUT(HttpRequest.BodyPublishers.ofByteArray(w.body()));
    }
    return b.build();
  }

  private void readOne(String base, SplittableRandom r) {
    List<Write> all = new ArrayList<>(acked.values());
    if (all.isEmpty()) {
      return;
    }
    Write w = all.get(r.nextInt(all.size()));
    try {
      HttpResponse<byte[]> res =
          http.send(get(base, w.id()), HttpResponse.BodyHandlers.ofByteArray());
      reads.incrementAndGet();
      if (res.statusCode() == 200 && !Arrays.equals(res.body(), w.body())) {
        violations.add("live read of " + w.id() + " returned other bytes");
      } else if (res.statusCode() == 404) {
        violations.add("live read of acknowledged " + w.id() + " answered 404");
      }
    } catch (IOException | InterruptedException nodeDied) {
      // the node was killed under this read
    }
  }

  private HttpRequest get(String base, String id) {
    return HttpRequest.newBuilder(
            URI.create(base + "/v1/accounts/" + account + "/content/" + asset + "/" + id))
        .timeout(Duration.ofSeconds(60))
        .header("Authorization", "Bearer " + serviceToken)
        .GET()
        .build();
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  /** What one verification pass found. */
  record Check(long lost, long present, long absent, long auditRows, String auditVerdict) {}

  /**
   * After a restart: reads back every acknowledged write and every write in doubt, then exports the
   * audit log and verifies its chain with {@code cmk audit verify}. Problems go to {@link
   * #violations}; writes in doubt are settled (present or absent) and leave the in-doubt set.
   */
  Check verify(String base, Path workDir) throws Exception {
    long lost = 0;
    for (Write w : new ArrayList<>(acked.values())) {
      HttpResponse<byte[]> r =
          http.send(get(base, w.id()), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || !Arrays.equals(r.body(), w.body())) {
        lost++;
        violations.add(
            "LOST acknowledged write " + w.id() + ": " + r.statusCode() + " " + brief(r.body()));
      }
    }
    for (Write w : new ArrayList<>(presentInDoubt.values())) {
      HttpResponse<byte[]> r =
          http.send(get(base, w.id()), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200 || !Arrays.equals(r.body(), w.body())) {
        violations.add(
            "write " + w.id() + " was present after an earlier crash, now " + r.statusCode());
      }
    }
    long present = 0;
    long absent = 0;
    for (Write w : new ArrayList<>(inDoubt.values())) {
      HttpResponse<byte[]> r =
          http.send(get(base, w.id()), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 200 && Arrays.equals(r.body(), w.body())) {
        present++;
        presentInDoubt.put(w.id(), w);
      } else if (r.statusCode() == 404) {
        absent++;
        absentIds.add(w.id());
      } else {
        violations.add(
            "write in doubt "
                + w.id()
                + " is neither whole nor absent: "
                + r.statusCode()
                + " "
                + brief(r.body()));
      }
      inDoubt.remove(w.id());
    }
    inDoubtPresent += present;
    inDoubtAbsent += absent;
    Audit audit = exportAudit(base, workDir);
    Set<String> mustBeAudited = new HashSet<>(acked.keySet());
    mustBeAudited.addAll(presentInDoubt.keySet());
    mustBeAudited.removeAll(audit.writtenOk());
    for (String id : mustBeAudited) {
      violations.add("no content.write audit row for stored object " + id);
    }
    if (!audit.verdict().startsWith("OK")) {
      violations.add("audit chain does not verify: " + audit.verdict());
    }
    return new Check(lost, present, absent, audit.rows(), audit.verdict());
  }

  record Audit(long rows, Set<String> writtenOk, String verdict) {}

  /** Exports the whole log as JSON lines (paged) and runs {@code cmk audit verify} on it. */
  Audit exportAudit(String base, Path workDir) throws Exception {
    JsonNode head = JSON.readTree(adminGet(base, "/audit/head"));
    Path file = Files.createTempFile(workDir, "audit-", ".jsonl");
    long after = 0;
    long rows = 0;
    Set<String> written = new HashSet<>();
    StringBuilder all = new StringBuilder();
    long headSeq = head.get("seq").asLong();
    while (after < headSeq) {
      String page = adminGet(base, "/audit?format=jsonl&limit=10000&afterSeq=" + after);
      long lastSeq = after;
      for (String line : page.split("\n")) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode row = JSON.readTree(line);
        long seq = row.get("seq").asLong();
        if (seq > headSeq) {
          break; // rows appended after the head was read (this export's own row, reads)
        }
        lastSeq = seq;
        rows++;
        all.append(line).append('\n');
        if ("content.write".equals(row.path("action").asText())
            && "ok".equals(row.path("result").asText())) {
          written.add(row.path("objectId").asText());
        }
      }
      if (lastSeq == after) {
        break;
      }
      after = lastSeq;
    }
    Files.writeString(file, all, StandardCharsets.UTF_8);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Cmk());
    cli.setOut(new java.io.PrintWriter(out));
    cli.setErr(new java.io.PrintWriter(err));
    int code =
        cli.execute("audit", "verify", file.toString(), "--head-hash", head.get("hash").asText());
    Files.delete(file);
    String verdict = (out + " " + err).strip();
    return new Audit(rows, written, code == 0 ? verdict : "exit " + code + ": " + verdict);
  }

  private String adminGet(String base, String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/v1/accounts/" + account + path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + adminToken)
                .GET()
                .build(),
            ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " → " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  private static String brief(byte[] body) {
    String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
    return s.replaceAll("[^\\x20-\\x7e]", "?");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Joins client threads that were told to stop. */
  static void join(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      t.join(120_000);
    }
  }
}
