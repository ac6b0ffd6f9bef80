package dev.cmk.provider.azure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * A local stand-in for the Microsoft identity platform's v2 token endpoint over HTTPS on 127.0.0.1:
 * {@code POST /{tenant}/oauth2/v2.0/token}, form-encoded {@code grant_type=client_credentials,
 * client_id, client_secret, scope}; answers {@code {token_type, expires_in, access_token}}, or 401
 * {@code invalid_client} (AADSTS7000215) for a wrong secret and 400 {@code invalid_request} /
 * {@code invalid_scope} / {@code unauthorized_client} otherwise. A test can make every token
 * request get one canned answer instead ({@link #answerWith}): throttling, an outage, a body that
 * is not a token.
 */
final class IdentityStub implements AutoCloseable {
  private static final Pattern TOKEN_PATH = Pattern.compile("/([^/]+)/oauth2/v2\\.0/token");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request the stub received: method, path and (for token requests) the form. */
  record Request(String method, String path, Map<String, String> form) {}

  /** A canned answer: status, content type, body and extra headers. */
  record Answer(int status, String contentType, String body, Map<String, String> headers) {
    /** The identity platform's JSON error body, {@code {error, error_description, …}}. */
    static Answer error(int status, String error, String description, Map<String, String> headers)
        throws IOException {
      return new Answer(
          status, "application/json; charset=utf-8", errorBody(error, description), headers);
    }
  }

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final String clientId;
  private final String clientSecret;
  private final String accessToken;
  private volatile Answer canned;

  IdentityStub(SSLContext tls, String clientId, String clientSecret, String accessToken)
      throws IOException {
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.accessToken = accessToken;
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The authority host to configure: {@code https://127.0.0.1:port/}. */
  URI authorityHost() {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + "/");
  }

  List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Every request from now on gets {@code answer} (null: answered normally again). */
  void answerWith(Answer answer) {
    canned = answer;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> form = form(body);
      String path = ex.getRequestURI().getPath();
      requests.add(new Request(ex.getRequestMethod(), path, form));
      Matcher m = TOKEN_PATH.matcher(path);
      Answer a = canned;
      if (a != null) {
        a.headers().forEach((k, v) -> ex.getResponseHeaders().set(k, v));
        respond(ex, a.status(), a.contentType(), a.body().getBytes(StandardCharsets.UTF_8));
      } else if (!m.matches() || !ex.getRequestMethod().equals("POST")) {
        error(ex, 404, "not_found", "AADSTS90002: no such endpoint " + path);
      } else if (!"client_credentials".equals(form.get("grant_type"))) {
        error(ex, 400, "invalid_request", "AADSTS900144: grant_type must be client_credentials");
      } else if (!clientId.equals(form.get("client_id"))) {
        error(ex, 400, "unauthorized_client", "AADSTS700016: Application not found.");
      } else if (!clientSecret.equals(form.get("client_secret"))) {
        error(
            ex,
            401,
            "invalid_client",
            "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the"
                + " request is the client secret value, not the client secret ID.");
      } else if (!resourceScopes(form).equals(Set.of("https://vault.azure.net/.default"))) {
        error(ex, 400, "invalid_scope", "AADSTS70011: The provided scope is not valid.");
      } else {
        ObjectNode token = JSON.createObjectNode();
        token.put("token_type", "Bearer");
        token.put("expires_in", 3599);
        token.put("ext_expires_in", 3599);
        token.put("access_token", accessToken);
        respond(ex, 200, token);
      }
    }
  }

  /**
   * The scopes that name a resource: MSAL adds the OpenID Connect ones ({@code openid profile
   * offline_access}) to every request, and the identity platform ignores them for client
   * credentials.
   */
  static Set<String> resourceScopes(Map<String, String> form) {
    Set<String> scopes = new HashSet<>(Arrays.asList(form.getOrDefault("scope", "").split(" ")));
    scopes.removeAll(Set.of("openid", "profile", "offline_access", ""));
    return scopes;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> form = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      form.put(
          URLDecoder.decode(k, StandardCharsets.UTF_8),
          URLDecoder.decode(v, StandardCharsets.UTF_8));
    }
    return form;
  }

  private static void error(HttpExchange ex, int status, String error, String description)
      throws IOException {
    respond(
        ex,
        status,
        "application/json; charset=utf-8",
        errorBody(error, description).getBytes(StandardCharsets.UTF_8));
  }

  private static String errorBody(String error, String description) throws IOException {
    ObjectNode e = JSON.createObjectNode();
    e.put("error", error);
    e.put("error_description", description);
    e.putArray("error_codes")
        .add(Integer.parseInt(description.replaceAll("^AADSTS(\\d+).*", "$1")));
    e.put("trace_id", UUID.randomUUID().toString());
    e.put("correlation_id", UUID.randomUUID().toString());
    return JSON.writeValueAsString(e);
  }

  private static void respond(HttpExchange ex, int status, ObjectNode json) throws IOException {
    respond(ex, status, "application/json; charset=utf-8", JSON.writeValueAsBytes(json));
  }

  private static void respond(HttpExchange ex, int status, String contentType, byte[] out)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
