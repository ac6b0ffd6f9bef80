package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.http.HttpServer.Route;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The served OpenAPI document and the routes the server registers are the same set, both ways;
 * every path parameter is declared; exactly the open routes are documented without security.
 */
class OpenApiIT {
  static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
  @TempDir static Path dir;
  static TestNode n;
  static JsonNode doc;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    var r = n.send(null, "GET", "/v1/openapi.json", null);
    assertThat(r.status()).isEqualTo(200);
    doc = r.json();
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  static Set<Route> documented() {
    Set<Route> out = new HashSet<>();
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        if (METHODS.contains(op.getKey())) {
          out.add(new Route(op.getKey().toUpperCase(Locale.ROOT), path.getKey()));
        }
      }
    }
    return out;
  }

  @Test
  void everyErrorCodeTheServerCanAnswerIsDocumented() {
    Set<String> documented = new HashSet<>();
    doc.at("/components/schemas/Error/properties/error/properties/code/enum")
        .forEach(c -> documented.add(c.asText()));
    Set<String> answered = new HashSet<>(dev.cmk.http.ErrorMapper.HTTP_CODES);
    for (dev.cmk.service.ErrorCode c : dev.cmk.service.ErrorCode.values()) {
      answered.add(c.code());
    }
    assertThat(documented).isEqualTo(answered);
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    Set<Route> served = new HashSet<>(n.node.routes());
    Set<Route> documented = documented();
    Set<Route> undocumented = new HashSet<>(served);
    undocumented.removeAll(documented);
    Set<Route> phantom = new HashSet<>(documented);
    phantom.removeAll(served);
    assertThat(undocumented).as("served but not in openapi.json").isEmpty();
    assertThat(phantom).as("in openapi.json but not served").isEmpty();
    assertThat(doc.get("openapi").asText()).startsWith("3.");
  }

  @Test
  void pathParametersAreDeclaredAndOnlyOpenRoutesLackSecurity() {
    Pattern param = Pattern.compile("\\{([^}]+)}");
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        Set<String> declared = new HashSet<>();
        for (JsonNode p : op.getValue().path("parameters")) {
          JsonNode resolved = p.has("$ref") ? resolve(p.get("$ref").asText()) : p;
          if (resolved.get("in").asText().equals("path")) {
            declared.add(resolved.get("name").asText());
          }
        }
        Matcher m = param.matcher(path.getKey());
        while (m.find()) {
          if (!declared.remove(m.group(1))) {
            problems.add(op.getKey() + " " + path.getKey() + " does not declare " + m.group(1));
          }
        }
        boolean open = op.getValue().has("security") && op.getValue().get("security").isEmpty();
        if (open != AuthMatrixIT.OPEN.contains(path.getKey())) {
          problems.add(op.getKey() + " " + path.getKey() + " security does not match the policy");
        }
        if (!op.getValue().has("x-cmk-access")) {
          problems.add(op.getKey() + " " + path.getKey() + " lacks x-cmk-access");
        }
      }
    }
    assertThat(problems).isEmpty();
  }

  /**
   * Json.body refuses unknown fields, so every JSON object body schema must say so (schemathesis).
   */
  @Test
  void everyJsonObjectBodyDeclaresNoAdditionalProperties() throws Exception {
    List<String> open = new ArrayList<>();
    for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        JsonNode schema = op.getValue().at("/requestBody/content/application~1json/schema");
        if (schema.isMissingNode()) {
          continue;
        }
        JsonNode resolved = schema.has("$ref") ? resolve(schema.get("$ref").asText()) : schema;
        if (resolved.path("type").asText().equals("object")
            && !resolved.path("additionalProperties").isBoolean()) {
          open.add(op.getKey() + " " + path.getKey());
        }
        if (resolved.path("additionalProperties").asBoolean(false)) {
          open.add(op.getKey() + " " + path.getKey() + " (additionalProperties true)");
        }
      }
    }
    assertThat(open).isEmpty();
    var fallback =
        n.send(
            n.operator,
            "PUT",
            "/v1/accounts/" + n.createAccount("Spec A") + "/fallback",
            "{\"enabled\":true,\"zzz\":[1]}");
    assertThat(fallback.status()).isEqualTo(400);
  }

  /** The webhook URL's pattern refuses what the server refuses without looking the host up. */
  @Test
  void webhookUrlPatternAgreesWithTheServer() throws Exception {
    Pattern url =
        Pattern.compile(
            doc.at("/components/schemas/WebhookCreate/properties/url/pattern").asText());
    String account = n.createAccount("Spec hooks");
    String admin = n.adminToken(account);
    for (String bad :
        List.of(
            "0",
            "https://user@192.0.2.10/hook",
            "ftp://192.0.2.10/hook",
            "http://192.0.2.10/hook",
            "https://192.0.2.10/a b",
            "https:///hook")) {
      assertThat(url.matcher(bad).find()).as(bad).isFalse();
      var r =
          n.send(
              admin,
              "POST",
              "/v1/accounts/" + account + "/webhooks",
              TestNode.JSON.writeValueAsString(Map.of("url", bad)));
      assertThat(r.status()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.code()).as(bad).isEqualTo("invalid_webhook_url");
    }
    // TEST-NET-1: public to the SSRF check, never routed; an IP literal needs no DNS
    String good = "HTTPS://192.0.2.10/hook?x=1";
    assertThat(url.matcher(good).find()).isTrue();
    var r =
        n.send(
            admin,
            "POST",
            "/v1/accounts/" + account + "/webhooks",
            TestNode.JSON.writeValueAsString(Map.of("url", good)));
    assertThat(r.status()).as(r.body()).isEqualTo(201);
  }

  /** A search term's pattern: no C0/C1 control anywhere, not only white space (SearchTermsTest). */
  @Test
  void searchTermPatternRefusesControlsAndBlankTerms() {
    for (String at :
        List.of(
            "/paths/~1v1~1accounts~1{accountId}~1search/get/parameters/1/schema/items/pattern",
            "/components/schemas/IndexDocument/properties/terms/items/pattern")) {
      // ECMA-262's $ (JSON Schema's) is the end of the input; Java's also matches before a last \n
      Pattern term = Pattern.compile(doc.at(at).asText().replaceAll("\\$$", "\\\\z"));
      for (String bad : List.of("\u0097", "\tfoo", "foo\n", "a\u0085b", "   ")) {
        assertThat(term.matcher(bad).find()).as(at + " " + bad).isFalse();
      }
      for (String good : List.of("foo", " Foo bar ", "\u00e9t\u00e9", "\u3371")) {
        assertThat(term.matcher(good).find()).as(at + " " + good).isTrue();
      }
    }
  }

  static JsonNode resolve(String ref) {
    JsonNode node = doc;
    for (String part : ref.substring(2).split("/")) {
      node = node.get(part);
    }
    return node;
  }
}
