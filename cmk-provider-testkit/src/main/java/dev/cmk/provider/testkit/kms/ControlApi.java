package dev.cmk.provider.testkit.kms;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's control API on its own port (see README.md): {@code POST
 * /_proxy/regions/{region}/fault}, {@code POST /_proxy/keys/state}, {@code POST|DELETE
 * /_proxy/deny-context}, {@code GET|DELETE /_proxy/calls}. Bad input is a 400 with {@code {"error":
 * "…"}}; success is a 200 with a small JSON body.
 */
final class ControlApi implements AutoCloseable {
  private final KmsFaultProxy proxy;
  private final ObjectMapper json;
  private final HttpServer server;
  private final ExecutorService threads = Executors.newFixedThreadPool(2);

  ControlApi(KmsFaultProxy proxy, ObjectMapper json, int port) throws IOException {
    this.proxy = proxy;
    this.json = json;
    this.server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    server.createContext("/_proxy/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      byte[] body = ex.getRequestBody().readAllBytes();
      try {
        Object out = route(method, path, body);
        if (out == null) {
          send(ex, 404, Map.of("error", "no route " + method + " " + path));
        } else {
          send(ex, 200, out);
        }
      } catch (IllegalArgumentException | IOException e) {
        send(ex, 400, Map.of("error", String.valueOf(e.getMessage())));
      }
    }
  }

  private @Nullable Object route(String method, String path, byte[] body) throws IOException {
    if (path.startsWith("/_proxy/regions/") && path.endsWith("/fault") && method.equals("POST")) {
      String region =
          path.substring("/_proxy/regions/".length(), path.length() - "/fault".length());
      KmsFaultProxy.Mode mode = KmsFaultProxy.Mode.parse(field(body, "mode"));
      proxy.fault(region, mode);
      return Map.of("region", region, "mode", mode.name().toLowerCase(java.util.Locale.ROOT));
    }
    switch (method + " " + path) {
      case "POST /_proxy/keys/state" -> {
        String key = field(body, "keyId");
        KmsFaultProxy.KeyState st = KmsFaultProxy.KeyState.parse(field(body, "state"));
        proxy.keyState(key, st);
        return Map.of("keyId", key, "state", st.awsName());
      }
      case "POST /_proxy/deny-context" -> {
        JsonNode match = tree(body).path("match");
        if (!match.isObject()) {
          throw new IllegalArgumentException(
              "body must be {\"match\":{\"<context key>\":\"<value>\"}}");
        }
        Map<String, String> rule = new LinkedHashMap<>();
        match.properties().forEach(e -> rule.put(e.getKey(), e.getValue().asText()));
        proxy.denyContext(rule);
        return Map.of("added", rule);
      }
      case "DELETE /_proxy/deny-context" -> {
        proxy.clearDenyContext();
        return Map.of("cleared", true);
      }
      case "GET /_proxy/calls" -> {
        return proxy.calls();
      }
      case "DELETE /_proxy/calls" -> {
        proxy.resetCalls();
        return Map.of("cleared", true);
      }
      default -> {
        return null;
      }
    }
  }

  private JsonNode tree(byte[] body) throws IOException {
    return body.length == 0 ? json.createObjectNode() : json.readTree(body);
  }

  private String field(byte[] body, String name) throws IOException {
    JsonNode v = tree(body).path(name);
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException("body must carry \"" + name + "\"");
    }
    return v.asText();
  }

  private void send(HttpExchange ex, int status, Object body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
