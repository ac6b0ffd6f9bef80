package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.app.TestNode.Res;
import dev.cmk.http.HttpServer.Route;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cross-account authorization matrix over every route the server registers (read from the
 * router, not a hand-kept list): tokens of account B never get a 2xx on account A's routes or on
 * operator routes, and no route but the open ones answers without a token.
 */
class AuthMatrixIT {
  static final Set<String> OPEN = Set.of("/v1/health", "/metrics", "/v1/openapi.json");
  @TempDir static Path dir;
  static TestNode n;
  static String a;
  static String objectId = "obj-a-1";
  static Map<String, String> callers = new LinkedHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    n.node.localProvider().orElseThrow().createKey("key-a");
    a = n.createAccount("A");
    String b = n.createAccount("B");
    String adminA = n.adminToken(a);
    assertThat(
            n.send(
                    adminA,
                    "PUT",
                    "/v1/accounts/" + a + "/key",
                    "{\"provider\":\"local\",\"keyId\":\"key-a\"}")
                .status())
        .isEqualTo(201);
    String serviceA = n.serviceToken(a, List.of("chat"));
    assertThat(
            n.send(
                    serviceA,
                    "PUT",
                    "/v1/accounts/" + a + "/content/chat-message/" + objectId,
                    Map.of("X-CMK-User", "alice"),
                    "secret of A")
                .status())
        .isEqualTo(201);
    List<String> every =
        n.send(n.operator, "GET", "/v1/catalog", null).json().findValues("service").stream()
            .map(j -> j.asText())
            .distinct()
            .toList();
    callers.put("admin of B", n.adminToken(b));
    callers.put("service of B (all services)", n.serviceToken(b, every));
    callers.put("service of A without the asset's service", n.serviceToken(a, List.of("mail")));
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  /** Real values for every path parameter, all pointing at account A's things. */
  /** Routes any valid token may read: no account's data (the catalog, the enabled providers). */
  static boolean anyToken(Route r) {
    return r.method().equals("GET")
        && (r.path().equals("/v1/catalog") || r.path().equals("/v1/providers"));
  }

  static String fill(String template) {
    return template
        .replace("{accountId}", a)
        .replace("{assetType}", "chat-message")
        .replace("{objectId}", objectId)
        .replace("{userId}", "alice")
        .replace("{keyId}", "key_unknown")
        .replace("{tokenId}", "tok_unknown")
        .replaceAll("\\{([A-Za-z]+)}", "$1-unknown");
  }

  static String body(Route r) {
    if (r.path().contains("/search/documents/")) {
      return "{\"service\":\"chat\",\"terms\":[\"a\"]}";
    }
    return r.path().contains("/content/") ? "payload" : "{}";
  }

  @Test
  void routesAreEnumeratedFromTheServer() {
    assertThat(n.node.routes()).hasSizeGreaterThan(10);
    assertThat(n.node.routes()).contains(new Route("GET", "/v1/accounts/{accountId}"));
  }

  @Test
  void otherAccountsTokensNeverGet2xx() throws Exception {
    List<String> violations = new ArrayList<>();
    for (Route r : n.node.routes()) {
      if (OPEN.contains(r.path()) || anyToken(r)) {
        continue;
      }
      for (var c : callers.entrySet()) {
        if (c.getKey().startsWith("service of A")
            && !r.path().contains("/content/")
            && !r.path().contains("/search")) {
          continue; // a service token of A may read A's object metadata; content is the point here
        }
        Res res =
            n.send(
                c.getValue(),
                r.method(),
                fill(r.path()),
                Map.of("X-CMK-User", "alice", "Content-Type", "application/json"),
                body(r));
        if (res.status() / 100 == 2 || res.status() != 403) {
          violations.add(c.getKey() + " → " + r + " got " + res.status() + " " + res.body());
        }
      }
    }
    assertThat(violations).isEmpty();
  }

  /**
   * Issue 17's hostile inputs change nothing: a null body, a wrong media type and a method override
   * still meet the access decision first (403 for another account's admin, never 2xx, 4xx of the
   * body, or 5xx).
   */
  @Test
  void hostileInputStillMeetsTheAccessDecisionFirst() throws Exception {
    String otherAdmin = callers.get("admin of B");
    List<String> violations = new ArrayList<>();
    for (Route r : n.node.routes()) {
      if (OPEN.contains(r.path()) || anyToken(r)) {
        continue;
      }
      for (Map<String, String> headers :
          List.of(
              Map.of("Content-Type", "application/json"),
              Map.of("Content-Type", "text/plain", "X-HTTP-Method-Override", "GET"))) {
        Res res = n.send(otherAdmin, r.method(), fill(r.path()), headers, "null");
        if (res.status() != 403) {
          violations.add(r + " " + headers + " got " + res.status() + " " + res.body());
        }
      }
    }
    assertThat(violations).isEmpty();
    assertThat(n.send(null, "GET", "/metrics", null).body()).doesNotContain(a);
  }

  @Test
  void everyRouteButTheOpenOnesNeedsAToken() throws Exception {
    List<String> violations = new ArrayList<>();
    for (Route r : n.node.routes()) {
      Res res = n.send(null, r.method(), fill(r.path()), Map.of("X-CMK-User", "alice"), body(r));
      boolean open = OPEN.contains(r.path());
      if (open ? res.status() == 401 : res.status() != 401) {
        violations.add(r + " without a token got " + res.status());
      }
      Res bad = n.send("cmk_forged", r.method(), fill(r.path()), Map.of(), body(r));
      if (!open && bad.status() != 401) {
        violations.add(r + " with a forged token got " + bad.status());
      }
    }
    assertThat(violations).isEmpty();
  }

  @Test
  void accountAdminIsNotAnOperator() throws Exception {
    String adminA = n.adminToken(a);
    for (Route r : n.node.routes()) {
      if (!r.path().startsWith("/v1/accounts/{accountId}")
          && !OPEN.contains(r.path())
          && !anyToken(r)) {
        Res res = n.send(adminA, r.method(), fill(r.path()), Map.of(), body(r));
        assertThat(res.status()).as(r.toString()).isEqualTo(403);
      }
    }
  }
}
