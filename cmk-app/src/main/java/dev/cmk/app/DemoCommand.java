package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import dev.cmk.service.kek.CountingKeyProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

  private final PrintStream out = System.out;
  private HttpClient client;
  private String base;
  private String admin;
  private String service;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("cmk-demo");
    CmkConfig cfg = CmkConfig.embeddedIn(dir, 64L << 20);
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

  private void run(CmkNode node) throws Exception {
    step(
        "0. A CMK node is running at "
            + base
            + " (embedded H2 database, local key provider, blobs in a temp dir)");

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
    step("4. Services write content:");
    for (JsonNode o : new JsonNode[] {o1, o2, o3}) {
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

    step(
        "Demo complete: "
            + (long) CountingKeyProvider.total(node.metrics())
            + " provider calls in all; see /metrics for cmk_provider_calls_total.");
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
            .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
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
