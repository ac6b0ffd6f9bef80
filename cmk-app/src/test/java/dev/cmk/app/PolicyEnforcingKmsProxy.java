package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP proxy in front of moto_server that does what moto does not: it evaluates every AWS KMS
 * call the node makes against the key policy set for that key ({@link IamPolicyEvaluator}), as the
 * caller {@code principalArn}, and answers {@code AccessDeniedException} when the policy does not
 * allow it; allowed calls go on to moto. Every evaluated call is recorded with the flow the test is
 * in, so a test can show per flow which principal made which call and why it was allowed.
 */
final class PolicyEnforcingKmsProxy implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  /** One evaluated KMS call. */
  record Call(
      String flow,
      String principal,
      String action,
      String keyArn,
      Map<String, List<String>> keys,
      IamPolicyEvaluator.Result result) {
    boolean allowed() {
      return result.decision() == IamPolicyEvaluator.Decision.ALLOW;
    }
  }

  private final HttpServer server;
  private final HttpClient http = HttpClient.newHttpClient();
  private final String upstream;
  private final String principalArn;
  private final Map<String, JsonNode> policies = new ConcurrentHashMap<>();
  final List<Call> calls = new CopyOnWriteArrayList<>();
  final List<String> unevaluated = new CopyOnWriteArrayList<>();
  private volatile String flow = "";
  private volatile boolean unavailable;

  PolicyEnforcingKmsProxy(String upstream, String principalArn) throws IOException {
    this.upstream = upstream;
    this.principalArn = principalArn;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The key policy calls on {@code keyArn} are evaluated against from now on. */
  void setPolicy(String keyArn, JsonNode policy) {
    policies.put(keyArn, policy);
  }

  void flow(String name) {
    this.flow = name;
  }

  /** While true, every call fails as KMS being down (500 KMSInternalException), unevaluated. */
  void unavailable(boolean down) {
    this.unavailable = down;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String target = ex.getRequestHeaders().getFirst("X-Amz-Target");
      String operation = target == null ? "" : target.substring(target.indexOf('.') + 1);
      JsonNode req = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
      if (unavailable) {
        fail(ex, 500, "KMSInternalException", "simulated outage");
        return;
      }
      for (Call c : evaluate(operation, req)) {
        calls.add(c);
        if (!c.allowed()) {
          deny(ex, c);
          return;
        }
      }
      forward(ex, body);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private List<Call> evaluate(String op, JsonNode req) {
    List<Call> out = new ArrayList<>();
    switch (op) {
      case "GenerateDataKey", "Encrypt", "Decrypt" ->
          out.add(
              call("kms:" + op, req.path("KeyId").asText(), context(req.get("EncryptionContext"))));
      case "ReEncrypt" -> {
        out.add(
            call(
                "kms:ReEncryptFrom",
                req.path("SourceKeyId").asText(),
                context(req.get("SourceEncryptionContext"))));
        out.add(
            call(
                "kms:ReEncryptTo",
                req.path("DestinationKeyId").asText(),
                context(req.get("DestinationEncryptionContext"))));
      }
      case "DescribeKey", "GetKeyPolicy", "ListGrants", "RevokeGrant" ->
          out.add(call("kms:" + op, req.path("KeyId").asText(), new LinkedHashMap<>()));
      case "CreateGrant" -> {
        Map<String, List<String>> keys =
            context(req.path("Constraints").get("EncryptionContextSubset"));
        keys.put("kms:GranteePrincipal", List.of(req.path("GranteePrincipal").asText()));
        List<String> ops = new ArrayList<>();
        req.path("Operations").forEach(o -> ops.add(o.asText()));
        keys.put("kms:GrantOperations", ops);
        out.add(call("kms:CreateGrant", req.path("KeyId").asText(), keys));
      }
      default -> unevaluated.add(op);
    }
    return out;
  }

  private Call call(String action, String keyArn, Map<String, List<String>> keys) {
    keys.put("kms:CallerAccount", List.of(principalArn.split(":")[4]));
    JsonNode policy = policies.get(keyArn);
    if (policy == null) {
      unevaluated.add(action + " on " + keyArn + " (no policy set)");
      return new Call(
          flow,
          principalArn,
          action,
          keyArn,
          keys,
          new IamPolicyEvaluator.Result(IamPolicyEvaluator.Decision.ALLOW, "(no policy: moto)"));
    }
    return new Call(
        flow,
        principalArn,
        action,
        keyArn,
        keys,
        IamPolicyEvaluator.evaluate(
            policy, new IamPolicyEvaluator.Request(principalArn, action, keys)));
  }

  static Map<String, List<String>> context(JsonNode ctx) {
    Map<String, List<String>> keys = new LinkedHashMap<>();
    if (ctx != null) {
      for (Map.Entry<String, JsonNode> e : ctx.properties()) {
        keys.put("kms:EncryptionContext:" + e.getKey(), List.of(e.getValue().asText()));
      }
    }
    return keys;
  }

  private void deny(HttpExchange ex, Call c) throws IOException {
    fail(
        ex,
        400,
        "AccessDeniedException",
        "User: "
            + c.principal()
            + " is not authorized to perform: "
            + c.action()
            + " on resource: "
            + c.keyArn()
            + " because no resource-based policy allows the "
            + c.action()
            + " action");
  }

  private static void fail(HttpExchange ex, int status, String type, String message)
      throws IOException {
    byte[] out = JSON.writeValueAsBytes(Map.of("__type", type, "message", message));
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.getResponseHeaders().set("x-amzn-ErrorType", type);
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream o = ex.getResponseBody()) {
      o.write(out);
    }
  }

  private static final Set<String> HOP =
      Set.of("host", "content-length", "connection", "expect", "transfer-encoding", "upgrade");

  private void forward(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(upstream + ex.getRequestURI()))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (k, vs) -> {
              if (!HOP.contains(k.toLowerCase(java.util.Locale.ROOT))) {
                vs.forEach(v -> b.header(k, v));
              }
            });
    HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    r.headers()
        .map()
        .forEach(
            (k, vs) -> {
              if (!HOP.contains(k.toLowerCase(java.util.Locale.ROOT)) && !k.startsWith(":")) {
                vs.forEach(v -> ex.getResponseHeaders().add(k, v));
              }
            });
    byte[] out = r.body();
    ex.sendResponseHeaders(r.statusCode(), out.length == 0 ? -1 : out.length);
    if (out.length > 0) {
      try (OutputStream o = ex.getResponseBody()) {
        o.write(out);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
