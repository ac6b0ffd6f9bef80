package dev.cmk.provider.aws;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP proxy on 127.0.0.1 in front of moto that injects what moto cannot show: AWS-shaped error
 * answers ({@code {"__type": "DisabledException", "message": …}}), 503s, hangs and dropped
 * connections, for chosen key ids, operations or regions. It also counts requests per region and
 * operation, so tests can prove a call did or did not reach KMS.
 *
 * <p>Optionally it also answers the crypto operations of multi-region keys itself ({@link
 * MrkCrypto}), because moto truncates {@code mrk-} key ids inside its ciphertexts and then cannot
 * decrypt them in any region.
 */
final class FaultProxy implements AutoCloseable {
  private static final Pattern REGION = Pattern.compile("Credential=[^/]+/\\d{8}/([a-z0-9-]+)/");
  private static final Set<String> HOP_HEADERS =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");
  private static final long MAX_HANG_MS = 15_000;

  /** What the proxy does instead of forwarding. */
  sealed interface Fault {}

  /** An AWS JSON error answer. */
  record AwsError(int status, String type, String message) implements Fault {}

  /** Holds the request without answering until released or closed (bounded to 15 s). */
  record Hang() implements Fault {}

  /** Closes the connection without an answer. */
  record Drop() implements Fault {}

  /** One KMS request as the proxy sees it. */
  record Call(String operation, String region, String keyId) {}

  private record Rule(String region, String keyPart, String operation, Fault fault, int[] left) {
    boolean matches(Call c) {
      return (region == null || region.equals(c.region()))
          && (keyPart == null || c.keyId().contains(keyPart))
          && (operation == null || operation.equals(c.operation()));
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final HttpClient upstream =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI target;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private final MrkCrypto mrk;
  private volatile CountDownLatch hangRelease = new CountDownLatch(1);

  FaultProxy(URI target, boolean emulateMrkCrypto) throws IOException {
    this.target = target;
    this.mrk = emulateMrkCrypto ? new MrkCrypto(json) : null;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.createContext("/", this::handle);
    server.setExecutor(threads);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every request for a key whose id contains {@code keyPart} gets {@code fault}. */
  FaultProxy failKey(String keyPart, Fault fault) {
    rules.add(new Rule(null, keyPart, null, fault, new int[] {-1}));
    return this;
  }

  /** Requests of one operation on the key get {@code fault}; other operations pass. */
  FaultProxy failKeyOperation(String keyPart, String operation, Fault fault) {
    rules.add(new Rule(null, keyPart, operation, fault, new int[] {-1}));
    return this;
  }

  /** Every request signed for {@code region} gets {@code fault}: the region is "down". */
  FaultProxy failRegion(String region, Fault fault) {
    rules.add(new Rule(region, null, null, fault, new int[] {-1}));
    return this;
  }

  /** The next {@code times} requests for the key get {@code fault}; then it passes again. */
  FaultProxy failKeyTimes(String keyPart, Fault fault, int times) {
    rules.add(new Rule(null, keyPart, null, fault, new int[] {times}));
    return this;
  }

  /** Removes every rule and releases hung requests. */
  void heal() {
    rules.clear();
    CountDownLatch old = hangRelease;
    hangRelease = new CountDownLatch(1);
    old.countDown();
  }

  int hits(String region) {
    return hits.computeIfAbsent(region, r -> new AtomicInteger()).get();
  }

  int hits(String region, String operation) {
    return hits.computeIfAbsent(region + "/" + operation, r -> new AtomicInteger()).get();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      Call call = describe(ex, body);
      count(call);
      Fault fault = faultFor(call);
      if (fault != null) {
        inject(ex, fault);
      } else if (mrk != null && mrk.handles(call)) {
        respond(ex, mrk.answer(call, body));
      } else {
        forward(ex, body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Call describe(HttpExchange ex, byte[] body) throws IOException {
    String amzTarget = header(ex, "X-Amz-Target");
    String op = amzTarget.substring(amzTarget.indexOf('.') + 1);
    Matcher m = REGION.matcher(header(ex, "Authorization"));
    String region = m.find() ? m.group(1) : "";
    JsonNode n = body.length == 0 ? json.createObjectNode() : json.readTree(body);
    String key = n.path("KeyId").asText(n.path("SourceKeyId").asText(""));
    return new Call(op, region, key);
  }

  /** Requests whose KeyId contained {@code keyPart}. */
  int hitsForKey(String keyPart) {
    return hits.entrySet().stream()
        .filter(e -> e.getKey().startsWith("key:") && e.getKey().contains(keyPart))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }

  private void count(Call c) {
    hits.computeIfAbsent("key:" + c.keyId(), r -> new AtomicInteger()).incrementAndGet();
    hits.computeIfAbsent(c.region(), r -> new AtomicInteger()).incrementAndGet();
    hits.computeIfAbsent(c.region() + "/" + c.operation(), r -> new AtomicInteger())
        .incrementAndGet();
  }

  private Fault faultFor(Call call) {
    for (Rule r : rules) {
      if (r.matches(call)) {
        synchronized (r.left()) {
          if (r.left()[0] == 0) {
            continue;
          }
          if (r.left()[0] > 0) {
            r.left()[0]--;
          }
        }
        return r.fault();
      }
    }
    return null;
  }

  private void inject(HttpExchange ex, Fault fault) throws IOException, InterruptedException {
    if (fault instanceof AwsError e) {
      ObjectNode err = json.createObjectNode().put("__type", e.type()).put("message", e.message());
      respond(ex, new Answer(e.status(), json.writeValueAsBytes(err)));
    } else if (fault instanceof Hang) {
      hangRelease.await(MAX_HANG_MS, TimeUnit.MILLISECONDS);
      // released: the connection closes without an answer
    }
    // Drop (and a released hang): close the exchange without a status line.
  }

  private void forward(HttpExchange ex, byte[] body) throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target.resolve(ex.getRequestURI()))
            .timeout(Duration.ofSeconds(20))
            .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
    ex.getRequestHeaders()
        .forEach(
            (name, values) -> {
              if (!HOP_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
                values.forEach(v -> b.header(name, v));
              }
            });
    HttpResponse<byte[]> resp = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    respond(ex, new Answer(resp.statusCode(), resp.body()));
  }

  /** A JSON answer with its status. */
  record Answer(int status, byte[] body) {}

  private static void respond(HttpExchange ex, Answer a) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.1");
    ex.getResponseHeaders().set("x-amzn-RequestId", "proxy-" + System.nanoTime());
    ex.sendResponseHeaders(a.status(), a.body().length == 0 ? -1 : a.body().length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(a.body());
    }
  }

  private static String header(HttpExchange ex, String name) {
    String v = ex.getRequestHeaders().getFirst(name);
    return v == null ? "" : v;
  }

  @Override
  public void close() {
    heal();
    server.stop(0);
    threads.shutdownNow();
  }
}
