package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cmk.service.auth.Role;
import dev.cmk.service.auth.TokenService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** A full node on embedded defaults for HTTP tests, with an operator token and a small client. */
final class TestNode implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  final CmkNode node;
  final String base;
  final String operator;
  private final HttpClient http = HttpClient.newHttpClient();

  TestNode(Path dir, long maxContentBytes) {
    this(CmkConfig.embeddedIn(dir, maxContentBytes));
  }

  /** A node on this configuration (e.g. with the AWS provider pointed at moto_server). */
  TestNode(CmkConfig cfg) {
    this(cfg, Clock.systemUTC());
  }

  /** A node on this configuration and clock (tests move the clock instead of sleeping). */
  TestNode(CmkConfig cfg, Clock clock) {
    node = new CmkNode(cfg, clock).start();
    base = "http://127.0.0.1:" + node.port();
    operator =
        node.tokens()
            .create(new TokenService.Spec(Role.OPERATOR, Optional.empty(), Set.of(), "test"))
            .secret();
  }

  /** An HTTP answer. */
  record Res(int status, String body, HttpResponse<String> raw) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }

    String code() throws Exception {
      return json().get("error").get("code").asText();
    }
  }

  Res send(String token, String method, String path, Map<String, String> headers, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    headers.forEach(b::header);
    b.method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body(), r);
  }

  Res send(String token, String method, String path, String body) throws Exception {
    return send(token, method, path, Map.of(), body);
  }

  String createAccount(String name) throws Exception {
    return send(operator, "POST", "/v1/accounts", "{\"name\":\"" + name + "\"}")
        .json()
        .get("id")
        .asText();
  }

  String adminToken(String account) throws Exception {
    return token(Map.of("role", "admin", "accountId", account));
  }

  String serviceToken(String account, List<String> services) throws Exception {
    return token(
        account == null
            ? Map.of("role", "service", "services", services)
            : Map.of("role", "service", "accountId", account, "services", services));
  }

  String token(Map<String, Object> spec) throws Exception {
    Res r = send(operator, "POST", "/v1/tokens", JSON.writeValueAsString(spec));
    if (r.status() != 201) {
      throw new IllegalStateException("token creation failed: " + r.body());
    }
    return r.json().get("secret").asText();
  }

  @Override
  public void close() {
    node.close();
  }
}
