package dev.cmk.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The one HTTP helper of the admin commands: sends a request with the bearer token to the CMK API
 * and prints the JSON answer (errors to stderr, exit code 1).
 *
 * <p><b>Security:</b> the token is sent only in the Authorization header and never printed.
 */
final class ApiClient {
  // an option not given is left out of the body, not sent as null (the API refuses null members)
  static final ObjectMapper JSON =
      new ObjectMapper()
          .enable(SerializationFeature.INDENT_OUTPUT)
          .setDefaultPropertyInclusion(
              com.fasterxml.jackson.annotation.JsonInclude.Value.construct(
                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL,
                  com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL));

  /** {@code --url} and {@code --token}, with {@code CMK_URL} and {@code CMK_TOKEN} as defaults. */
  static final class Options {
    @Option(
        names = "--url",
        defaultValue = "${env:CMK_URL:-http://127.0.0.1:8080}",
        description = "CMK API base URL (default: $CMK_URL or ${DEFAULT-VALUE})")
    String url;

    @Option(
        names = "--token",
        defaultValue = "${env:CMK_TOKEN}",
        showDefaultValue = picocli.CommandLine.Help.Visibility.NEVER,
        description = "bearer token (default: $CMK_TOKEN)")
    String token;

    ApiClient client(CommandSpec spec) {
      return new ApiClient(url, token, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String token;
  private final PrintWriter out;
  private final PrintWriter err;

  ApiClient(String base, String token, PrintWriter out, PrintWriter err) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    this.token = token;
    this.out = out;
    this.err = err;
  }

  /** Sends {@code body} (serialized to JSON unless it is a String) and prints the answer. */
  int call(String method, String path, Object body) {
    return call(method, path, "application/json", body, null);
  }

  int call(String method, String path, String contentType, Object body, String idempotencyKey) {
    return call(method, path, contentType, body, idempotencyKey, "");
  }

  /**
   * {@link #call(String, String, Object)}, except that an error answer with the code {@code
   * nothingToDo} (e.g. {@code nothing_to_backfill}) means the goal is already reached: its message
   * goes to stdout and the exit code is 0.
   */
  int callUnlessNothingToDo(String method, String path, Object body, String nothingToDo) {
    return call(method, path, "application/json", body, null, nothingToDo);
  }

  private int call(
      String method,
      String path,
      String contentType,
      Object body,
      String idempotencyKey,
      String nothingToDo) {
    try {
      HttpResponse<String> r = send(method, path, contentType, body, idempotencyKey);
      if (!nothingToDo.isEmpty() && r.statusCode() / 100 == 4) {
        JsonNode error = errorOf(r.body());
        if (error.path("code").asText().equals(nothingToDo)) {
          out.println(error.path("message").asText());
          out.flush();
          return 0;
        }
      }
      return print(r);
    } catch (IOException e) {
      err.println("cannot reach " + base + ": " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 2;
    }
  }

  HttpResponse<String> send(
      String method, String path, String contentType, Object body, String idempotencyKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (token != null && !token.isBlank()) {
      b.header("Authorization", "Bearer " + token.strip());
    }
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      String text = body instanceof String s ? s : toJson(body);
      b.header("Content-Type", contentType)
          .method(method, HttpRequest.BodyPublishers.ofString(text));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private int print(HttpResponse<String> r) {
    boolean ok = r.statusCode() / 100 == 2;
    PrintWriter w = ok ? out : err;
    if (!ok) {
      w.println("HTTP " + r.statusCode());
    }
    w.println(pretty(r.body()));
    w.flush();
    return ok ? 0 : 1;
  }

  private static JsonNode errorOf(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n == null ? JSON.missingNode() : n.path("error");
    } catch (JsonProcessingException e) {
      return JSON.missingNode();
    }
  }

  static String pretty(String body) {
    try {
      JsonNode n = JSON.readTree(body);
      return n == null ? body : JSON.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      return body;
    }
  }

  private static String toJson(Object body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot serialize request", e);
    }
  }
}
