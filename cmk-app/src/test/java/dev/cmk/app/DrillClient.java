package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/** The HTTP side of the drills against a {@link NodeProcess}: plain JSON calls with a token. */
final class DrillClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private volatile String base;

  /** One answer: status and body. */
  record Res(int status, String body) {
    JsonNode json() throws Exception {
      return JSON.readTree(body);
    }

    String code() throws Exception {
      return json().path("error").path("code").asText();
    }
  }

  /** Points the client at a (re)started node. */
  void at(NodeProcess node) {
    base = node.base();
  }

  Res get(String path, String token) throws Exception {
    return send("GET", path, token, null, null);
  }

  Res send(String method, String path, String token, String user, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json");
    if (user != null) {
      b.header("X-CMK-User", user);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Res(r.statusCode(), r.body());
  }

  /** A token made by the operator from a JSON spec; returns its secret. */
  String token(String spec) throws Exception {
    Res r = send("POST", "/v1/tokens", NodeProcess.OPERATOR, null, spec);
    assertThat(r.status()).as(r.body()).isEqualTo(201);
    return r.json().get("secret").asText();
  }

  /** Polls a GET until its JSON matches; a liveness bound of 60 s. */
  JsonNode await(String path, String token, Predicate<JsonNode> done) {
    return Awaitility.await("GET " + path)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> get(path, token).json(), done);
  }
}
