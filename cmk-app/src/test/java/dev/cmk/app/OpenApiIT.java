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

  static JsonNode resolve(String ref) {
    JsonNode node = doc;
    for (String part : ref.substring(2).split("/")) {
      node = node.get(part);
    }
    return node;
  }
}
