package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The encrypted search index through a real HTTP client against a full node. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SearchApiIT {
  @TempDir static Path dir;
  static TestNode n;
  static String acct;
  static String search;
  static final Map<String, String> JSON_TYPE = Map.of("Content-Type", "application/json");

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    n.node.localProvider().orElseThrow().createKey("key-s");
    Res created =
        n.send(n.operator, "POST", "/v1/accounts", "{\"name\":\"S\",\"searchEncryption\":true}");
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    acct = created.json().get("id").asText();
    Res key =
        n.send(
            n.adminToken(acct),
            "PUT",
            "/v1/accounts/" + acct + "/key",
            "{\"provider\":\"local\",\"keyId\":\"key-s\"}");
    assertThat(key.status()).as(key.body()).isEqualTo(201);
    search = n.serviceToken(acct, List.of("search"));
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Res put(String token, String doc, String body) throws Exception {
    return n.send(
        token, "PUT", "/v1/accounts/" + acct + "/search/documents/" + doc, JSON_TYPE, body);
  }

  static Res query(String token, String... terms) throws Exception {
    List<String> q = new ArrayList<>();
    for (String t : terms) {
      q.add("term=" + URLEncoder.encode(t, StandardCharsets.UTF_8));
    }
    return n.send(token, "GET", "/v1/accounts/" + acct + "/search?" + String.join("&", q), null);
  }

  static List<String> ids(Res r) throws Exception {
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    List<String> out = new ArrayList<>();
    for (JsonNode d : r.json().get("documents")) {
      out.add(d.get("documentId").asText());
    }
    return out;
  }

  @Test
  @Order(1)
  void indexQueryAndRemove() throws Exception {
    Res indexed = put(search, "d1", "{\"service\":\"chat\",\"terms\":[\"Hello\",\"World\"]}");
    assertThat(indexed.status()).as(indexed.body()).isEqualTo(200);
    assertThat(indexed.json().get("protection").asText()).isEqualTo("CMK");
    assertThat(indexed.json().get("terms").asInt()).isEqualTo(2);
    assertThat(put(search, "d2", "{\"service\":\"mail\",\"terms\":[\"hello\"]}").status())
        .isEqualTo(200);

    Res found = query(search, "HELLO");
    assertThat(ids(found)).containsExactly("d1", "d2");
    assertThat(found.json().get("documents").get(1).get("service").asText()).isEqualTo("mail");
    assertThat(ids(query(search, "hello", "world"))).containsExactly("d1");
    assertThat(ids(query(search, "hello", "nothing"))).isEmpty();

    Res removed = n.send(search, "DELETE", "/v1/accounts/" + acct + "/search/documents/d1", null);
    assertThat(removed.status()).isEqualTo(200);
    assertThat(removed.json().get("existed").asBoolean()).isTrue();
    assertThat(ids(query(search, "hello"))).containsExactly("d2");
  }

  @Test
  @Order(2)
  void badInputIsA4xxWithAStableCode() throws Exception {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("{\"service\":\"chat\",\"terms\":[]}", "invalid_request");
    cases.put("{\"service\":\"chat\"}", "invalid_request");
    cases.put("{\"terms\":[\"a\"]}", "invalid_request");
    cases.put("{\"service\":\"nope\",\"terms\":[\"a\"]}", "invalid_request");
    cases.put("{\"service\":\"chat\",\"terms\":[\"" + "x".repeat(129) + "\"]}", "invalid_request");
    cases.put("{\"service\":\"chat\",\"terms\":[null]}", "invalid_request");
    cases.put("{\"service\":\"chat\",\"terms\":\"a\"}", "invalid_request");
    cases.put("{\"service\":\"chat\",\"terms\":[\"a\"],\"extra\":1}", "invalid_request");
    cases.put("not json", "invalid_request");
    cases.put("", "empty_body");
    for (var c : cases.entrySet()) {
      Res r = put(search, "d9", c.getKey());
      assertThat(r.status()).as(c.getKey()).isEqualTo(400);
      assertThat(r.code()).as(c.getKey()).isEqualTo(c.getValue());
    }
    Res badId = put(search, "bad!id", "{\"service\":\"chat\",\"terms\":[\"a\"]}");
    assertThat(badId.status()).isEqualTo(400);
    assertThat(badId.code()).isEqualTo("invalid_id");
    assertThat(badId.body()).doesNotContain("bad!id");

    Res noTerm = n.send(search, "GET", "/v1/accounts/" + acct + "/search", null);
    assertThat(noTerm.status()).isEqualTo(400);
    assertThat(noTerm.code()).isEqualTo("invalid_request");
    String[] many = new String[17];
    java.util.Arrays.fill(many, "t");
    assertThat(query(search, many).status()).isEqualTo(400);
    assertThat(ids(query(search, "a"))).as("nothing was indexed by a bad request").isEmpty();
  }

  @Test
  @Order(3)
  void onlyTheAccountsSearchServiceMayUseTheIndex() throws Exception {
    String chat = n.serviceToken(acct, List.of("chat"));
    String admin = n.adminToken(acct);
    String otherSearch = n.serviceToken(n.createAccount("Other"), List.of("search"));
    for (String t : List.of(chat, admin, otherSearch)) {
      assertThat(query(t, "hello").status()).isEqualTo(403);
      assertThat(query(t, "hello").code()).isEqualTo("forbidden");
      assertThat(put(t, "d3", "{\"service\":\"chat\",\"terms\":[\"a\"]}").status()).isEqualTo(403);
    }
    assertThat(query(null, "hello").status()).isEqualTo(401);
    String allAccounts = n.serviceToken(null, List.of("search"));
    assertThat(ids(query(allAccounts, "hello"))).containsExactly("d2");
  }

  @Test
  @Order(4)
  void revokingTheKeyStopsSearch() throws Exception {
    n.node.localProvider().orElseThrow().setEnabled("key-s", false);
    Res revoked = n.send(n.adminToken(acct), "POST", "/v1/accounts/" + acct + "/revoke", null);
    assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
    Res r = query(search, "hello");
    assertThat(r.status()).as(r.body()).isEqualTo(409);
    // revoke now holds whatever the key answers (the kill switch): refused as revoked
    assertThat(r.code()).isEqualTo("key_revoked");
    // the error names neither the term nor a document (ids are compared as whole values: a random
    // request id may well contain "d2")
    assertThat(r.body()).doesNotContain("hello");
    assertThat(textValues(r.json())).doesNotContain("d2");
    Res w = put(search, "d4", "{\"service\":\"chat\",\"terms\":[\"hello\"]}");
    assertThat(w.status()).isEqualTo(409);
    assertThat(w.code()).isEqualTo("key_revoked");

    n.node.localProvider().orElseThrow().setEnabled("key-s", true);
    Res lifted = n.send(n.adminToken(acct), "POST", "/v1/accounts/" + acct + "/revoke/lift", null);
    assertThat(lifted.status()).as(lifted.body()).isEqualTo(200);
    assertThat(ids(query(search, "hello"))).containsExactly("d2");
  }

  private static java.util.List<String> textValues(com.fasterxml.jackson.databind.JsonNode node) {
    java.util.List<String> out = new java.util.ArrayList<>();
    if (node.isValueNode()) {
      out.add(node.asText());
    }
    node.forEach(child -> out.addAll(textValues(child)));
    return out;
  }
}
