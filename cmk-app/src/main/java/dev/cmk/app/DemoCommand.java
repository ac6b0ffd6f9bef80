package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cmk.service.audit.AuditChain;
import dev.cmk.service.audit.AuditRecord;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.kek.CountingKeyProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cmk demo}: starts a node with everything embedded in a temporary directory and walks the
 * main scenario through the real HTTP API, printing each step.
 */
@Command(
    name = "demo",
    description =
        "Run an end-to-end demo on embedded defaults (no cloud account, no external database).")
final class DemoCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--keep", description = "Keep the temporary data directory and print its path.")
  boolean keep;

  @Spec CommandSpec spec;

  private PrintWriter out;
  private HttpClient client;
  private String base;
  private String admin;
  private String service;

  @Override
  public Integer call() throws Exception {
    out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("cmk-demo");
    CmkConfig cfg = demoConfig(CmkConfig.embeddedIn(dir, 64L << 20));
    try (CmkNode node = new CmkNode(cfg, Clock.systemUTC()).start()) {
      client = HttpClient.newHttpClient();
      base = "http://127.0.0.1:" + node.port();
      run(node);
    } finally {
      if (keep) {
        out.println("data kept in " + dir);
      } else {
        deleteTree(dir);
      }
    }
    return 0;
  }

  /**
   * The embedded configuration with a scheduled probe round far beyond the demo's length: the demo
   * probes itself, so what it prints (provider calls above all) does not depend on timing.
   */
  private static CmkConfig demoConfig(CmkConfig c) {
    return new CmkConfig(
        c.platformName(),
        c.server(),
        c.storage(),
        c.keys(),
        c.local(),
        c.kekCache(),
        c.maxContentBytes(),
        c.providers(),
        c.principals(),
        new CmkConfig.Availability(
            Duration.ofHours(1), c.availability().jobLease(), c.availability().jobBatchSize()),
        c.crypto(),
        c.audit());
  }

  private void run(CmkNode node) throws Exception {
    step(
        "0. A CMK node is running at "
            + base
            + " (embedded H2 database, local key provider, blobs in a temp dir; content AES-GCM on "
            + node.aesGcmProvider()
            + ")");

    String operator =
        node.tokens()
            .create(
                new TokenService.Spec(Role.OPERATOR, Optional.empty(), Set.of(), "demo operator"))
            .secret();
    JsonNode acct =
        call(
            operator,
            "POST",
            "/v1/accounts",
            Map.of("name", "Acme Corp", "region", "us-east-1"),
            201);
    String a = acct.get("id").asText();
    admin = token(operator, Map.of("role", "admin", "accountId", a, "label", "acme security"));
    service =
        token(
            operator,
            Map.of(
                "role",
                "service",
                "accountId",
                a,
                "services",
                List.of("chat", "meetings"),
                "label",
                "chat+meetings"));
    step(
        "1. Operator creates account "
            + a
            + " (data residency "
            + acct.get("region").asText()
            + "), an admin token for it and a service token for chat and meetings");

    node.localProvider().orElseThrow().createKey("acme-cmk");
    JsonNode reg =
        call(
            admin,
            "PUT",
            "/v1/accounts/" + a + "/key",
            Map.of("provider", "local", "keyId", "acme-cmk"),
            201);
    step("2. Admin registers the customer key local:acme-cmk; validation:");
    for (JsonNode c : reg.get("validation").get("checks")) {
      out.printf(
          "     %-18s %-7s %s%n",
          c.get("name").asText(), c.get("outcome").asText(), c.get("evidence").asText());
    }
    out.println("     key status: " + reg.get("key").get("status").asText());

    call(
        admin,
        "PUT",
        "/v1/accounts/" + a + "/users/alice/license",
        Map.of("cmkLicensed", true),
        200);
    step("3. Admin gives alice a CMK license; bob has none");

    JsonNode o1 = putContent(a, "chat-message", "alice", "Alice: the merger closes Friday.");
    JsonNode o2 = putContent(a, "chat-message", "bob", "Bob: lunch at noon?");
    JsonNode o3 =
        putContent(a, "meeting-recording", "alice", "<recording bytes of alice's board meeting>");
    JsonNode o4 =
        putContent(a, "chat-message", "dave", "Dave: Q3 numbers are in the shared folder.");
    step("4. Services write content (dave has no license yet either):");
    for (JsonNode o : new JsonNode[] {o1, o2, o3, o4}) {
      out.printf(
          "     %-28s owner %-6s %-18s → protected by %-8s (KEK %s)%n",
          o.get("objectId").asText(),
          o.get("owner").asText(),
          o.get("assetType").asText(),
          o.get("protection").asText(),
          o.get("kekId").asText());
    }

    step("5. Reading them back:");
    for (JsonNode o : new JsonNode[] {o1, o2, o3}) {
      HttpResponse<String> r =
          send(
              "GET",
              "/v1/accounts/"
                  + a
                  + "/content/"
                  + o.get("assetType").asText()
                  + "/"
                  + o.get("objectId").asText(),
              null,
              null);
      out.printf(
          "     %s [%s] → \"%s\"%n",
          o.get("objectId").asText(),
          r.headers().firstValue("X-CMK-Protection").orElse("?"),
          r.body());
    }

    double calls = CountingKeyProvider.total(node.metrics());
    for (int i = 0; i < 200; i++) {
      putContent(a, "chat-message", "alice", "message " + i);
    }
    double after = CountingKeyProvider.total(node.metrics());
    step(
        "6. Provider calls so far: "
            + (long) after
            + " in all; the 200 further CMK writes cost "
            + (long) (after - calls)
            + " (KEK cache hits)");

    backfill(node, a, o4);

    node.localProvider().orElseThrow().setEnabled("acme-cmk", false);
    node.keks.purgeAccount(a);
    HttpResponse<String> refused =
        send("POST", "/v1/accounts/" + a + "/content/chat-message", "alice", "after revocation");
    step(
        "7. The customer disables its key. A new CMK write (fallback off) is refused with HTTP "
            + refused.statusCode()
            + ":");
    out.println("     " + refused.body());
    HttpResponse<String> unreadable =
        send(
            "GET",
            "/v1/accounts/" + a + "/content/chat-message/" + o1.get("objectId").asText(),
            null,
            null);
    out.println(
        "     reading alice's message now: HTTP "
            + unreadable.statusCode()
            + " "
            + JSON.readTree(unreadable.body()).get("error").get("code").asText());
    HttpResponse<String> bobs =
        send(
            "GET",
            "/v1/accounts/" + a + "/content/chat-message/" + o2.get("objectId").asText(),
            null,
            null);
    out.println(
        "     reading bob's message (platform key): HTTP "
            + bobs.statusCode()
            + " \""
            + bobs.body()
            + "\"");

    HttpResponse<String> daves =
        send(
            "GET",
            "/v1/accounts/" + a + "/content/chat-message/" + o4.get("objectId").asText(),
            null,
            null);
    out.println(
        "     reading dave's backfilled message: HTTP "
            + daves.statusCode()
            + " "
            + JSON.readTree(daves.body()).get("error").get("code").asText());

    fallbackAndRecovery(node, operator);
    audit(operator, a);

    step(
        "Demo complete: "
            + (long) CountingKeyProvider.total(node.metrics())
            + " provider calls in all; see /metrics for cmk_provider_calls_total.");
  }

  /**
   * Step 6b: content written before its owner's license stays under the platform key until a
   * backfill moves it under the customer's key (DESIGN.md, catalog and licensing rules).
   */
  private void backfill(CmkNode node, String a, JsonNode written) throws Exception {
    call(
        admin,
        "PUT",
        "/v1/accounts/" + a + "/users/dave/license",
        Map.of("cmkLicensed", true),
        200);
    JsonNode started =
        call(admin, "POST", "/v1/accounts/" + a + "/backfill", Map.of("userId", "dave"), 202);
    JsonNode job = awaitJob(node, a);
    String objectId = written.get("objectId").asText();
    HttpResponse<String> r =
        send("GET", "/v1/accounts/" + a + "/content/chat-message/" + objectId, null, null);
    step(
        "6b. Admin licenses dave. His earlier message stays under the platform key until a backfill"
            + " moves it: job "
            + started.get("id").asText()
            + " ("
            + job.get("kind").asText()
            + ", "
            + job.get("mode").asText()
            + ") "
            + job.get("status").asText()
            + ", "
            + job.get("done").asLong()
            + " of "
            + job.get("total").asLong()
            + " object(s)");
    out.printf(
        "     %s: %s → %s [%s] \"%s\"%n",
        objectId,
        written.get("protection").asText(),
        r.headers().firstValue("X-CMK-Protection").orElse("?"),
        "read back",
        r.body());
  }

  /** Steps 8-10: an outage under fallback, then the key comes back and recovery runs. */
  private void fallbackAndRecovery(CmkNode node, String operator) throws Exception {
    JsonNode acct =
        call(
            operator, "POST", "/v1/accounts", Map.of("name", "Globex", "region", "us-east-1"), 201);
    String g = acct.get("id").asText();
    admin = token(operator, Map.of("role", "admin", "accountId", g, "label", "globex security"));
    service =
        token(
            operator,
            Map.of(
                "role", "service", "accountId", g, "services", List.of("chat"), "label", "chat"));
    node.localProvider().orElseThrow().createKey("globex-cmk");
    call(
        admin,
        "PUT",
        "/v1/accounts/" + g + "/key",
        Map.of("provider", "local", "keyId", "globex-cmk"),
        201);
    call(
        admin,
        "PUT",
        "/v1/accounts/" + g + "/users/carol/license",
        Map.of("cmkLicensed", true),
        200);
    call(admin, "PUT", "/v1/accounts/" + g + "/fallback", Map.of("enabled", true), 200);
    JsonNode before = putContent(g, "chat-message", "carol", "Carol: Q3 numbers attached.");
    step(
        "8. Account "
            + g
            + " (Globex) registers local:globex-cmk, licenses carol and turns fallback ON;"
            + " carol's message "
            + before.get("objectId").asText()
            + " is protected by "
            + before.get("protection").asText());

    node.localProvider().orElseThrow().setReachable("globex-cmk", false);
    node.keks.purgeAccount(g); // as if the cached KEKs had expired
    List<JsonNode> during = new ArrayList<>();
    for (String text : List.of("Carol: is the KMS down?", "Carol: still writing.", "Carol: ok")) {
      during.add(putContent(g, "chat-message", "carol", text));
    }
    step(
        "9. Globex's KMS becomes unreachable (an outage, not the customer's decision). Writes go"
            + " on under the platform's backup key:");
    for (JsonNode o : during) {
      out.printf(
          "     %-28s → HTTP 201, protected by %-8s (KEK %s)%n",
          o.get("objectId").asText(), o.get("protection").asText(), o.get("kekId").asText());
    }
    JsonNode status = call(admin, "GET", "/v1/accounts/" + g + "/key-status", null, 200);
    out.println(
        "     key status: "
            + status.get("state").asText()
            + " ("
            + status.get("cause").asText()
            + ")");

    // The node re-probes keys that are not available every 2 s: its probe sees the key back and
    // starts recovery by itself. Calls are counted by what answered: the probe's generate and
    // unwrap, the job's re-wraps (failed probes during the outage are not part of the cost).
    double atStart = okCalls(node, "generate_data_key", "unwrap");
    double jobAtStart = okCalls(node, "rewrap", "wrap");
    node.localProvider().orElseThrow().setReachable("globex-cmk", true);
    awaitState(g, "AVAILABLE");
    JsonNode job = awaitJob(node, g);
    double probeCalls = okCalls(node, "generate_data_key", "unwrap") - atStart;
    double jobCalls = okCalls(node, "rewrap", "wrap") - jobAtStart;
    step(
        "10. The KMS is back. The probe sees it ("
            + call(admin, "GET", "/v1/accounts/" + g + "/key-status", null, 200)
                .get("state")
                .asText()
            + ") and starts recovery job "
            + job.get("id").asText()
            + " ("
            + job.get("mode").asText()
            + "): "
            + job.get("status").asText()
            + ", "
            + job.get("done").asText()
            + "/"
            + job.get("total").asText()
            + " fallback KEK(s) re-wrapped under the customer's key");
    for (JsonNode o : during) {
      JsonNode now =
          call(
              admin,
              "GET",
              "/v1/accounts/" + g + "/objects/" + o.get("objectId").asText(),
              null,
              200);
      out.printf(
          "     %-28s → now protected by %s (KEK %s, unchanged)%n",
          o.get("objectId").asText(), now.get("protection").asText(), now.get("kekId").asText());
    }
    out.printf(
        "     recovery cost %d provider calls: %d for the probe, %d for the job (one per fallback"
            + " KEK, not per object)%n",
        (long) (probeCalls + jobCalls), (long) probeCalls, (long) jobCalls);
    for (JsonNode e : call(admin, "GET", "/v1/accounts/" + g + "/key-events?limit=3", null, 200)) {
      String to = e.get("to").asText();
      out.printf(
          "     key event %-12s %s%s%n",
          e.get("kind").asText(), to.isEmpty() ? "" : "→ " + to + ": ", e.get("detail").asText());
    }
  }

  /** Step 11: Acme's audit log, exported, anchored at its head and verified offline. */
  private void audit(String operator, String account) throws Exception {
    JsonNode head = call(operator, "GET", "/v1/accounts/" + account + "/audit/head", null, 200);
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + "/v1/accounts/" + account + "/audit"))
            .header("Authorization", "Bearer " + operator)
            .build();
    String export = client.send(req, HttpResponse.BodyHandlers.ofString()).body();
    List<AuditRecord> rows = new java.util.ArrayList<>();
    for (String line : export.split("\n")) {
      if (!line.isBlank()) {
        rows.add(dev.cmk.http.Json.MAPPER.readValue(line, AuditRecord.class));
      }
    }
    step(
        "11. Acme's audit log: "
            + rows.size()
            + " hash-chained rows, head seq "
            + head.get("seq").asLong()
            + " hash "
            + head.get("hash").asText().substring(0, 16)
            + "…");
    java.util.Map<String, Long> byAction = new java.util.TreeMap<>();
    rows.forEach(r -> byAction.merge(r.action() + " " + r.result(), 1L, Long::sum));
    byAction.forEach((k, v) -> out.printf("     %-32s %d%n", k, v));
    AuditChain.Verification v = AuditChain.verify(rows, Optional.of(head.get("hash").asText()));
    out.println(
        "     verify (what `cmk audit verify` does offline): "
            + (v.ok()
                ? "OK, seq 1.." + v.lastSeq() + " reaches the head"
                : "BROKEN at seq " + v.firstBrokenSeq().orElseThrow() + ": " + v.problem()));
  }

  /** Successful provider calls so far of the given operations (the cmk.provider.calls metric). */
  private static double okCalls(CmkNode node, String... operations) {
    double n = 0;
    for (String op : operations) {
      n +=
          node
              .metrics()
              .find(CountingKeyProvider.METRIC)
              .tag("operation", op)
              .tag("outcome", "ok")
              .counters()
              .stream()
              .mapToDouble(io.micrometer.core.instrument.Counter::count)
              .sum();
    }
    return n;
  }

  /** Polls the account's key status until it is {@code state} (bounded to 30 s). */
  private void awaitState(String account, String state) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    while (!call(admin, "GET", "/v1/accounts/" + account + "/key-status", null, 200)
        .get("state")
        .asText()
        .equals(state)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("key of " + account + " not " + state + " in 30 s");
      }
      Thread.sleep(50);
    }
  }

  /** Runs the account's latest job here (the node's background thread may help) until it ends. */
  private JsonNode awaitJob(CmkNode node, String account) throws Exception {
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (true) {
      node.jobs.runUntilIdle(100);
      JsonNode jobs = call(admin, "GET", "/v1/accounts/" + account + "/jobs", null, 200);
      JsonNode job = jobs.path(0);
      if (job.isMissingNode()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("no job started for account " + account);
        }
        Thread.sleep(50); // the transition that starts it has just been recorded
        continue;
      }
      if (!job.get("status").asText().equals("RUNNING") || System.nanoTime() > deadline) {
        return job;
      }
      Thread.sleep(50);
    }
  }

  private JsonNode putContent(String account, String asset, String user, String text)
      throws IOException, InterruptedException {
    HttpResponse<String> r =
        send("POST", "/v1/accounts/" + account + "/content/" + asset, user, text);
    if (r.statusCode() != 201) {
      throw new IllegalStateException("write failed: " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private String token(String operator, Map<String, Object> spec)
      throws IOException, InterruptedException {
    return call(operator, "POST", "/v1/tokens", spec, 201).get("secret").asText();
  }

  private JsonNode call(String token, String method, String path, Object body, int expected)
      throws IOException, InterruptedException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + token)
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build();
    HttpResponse<String> r = client.send(req, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != expected) {
      throw new IllegalStateException(
          method + " " + path + " → " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private HttpResponse<String> send(String method, String path, String user, String body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + service);
    if (user != null) {
      b.header("X-CMK-User", user);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void step(String s) {
    out.println();
    out.println(s);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
