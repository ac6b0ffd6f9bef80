package dev.cmk.provider.testkit.kms;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP proxy on 127.0.0.1 in front of {@code moto_server} (the AWS KMS emulator) that shows what
 * moto cannot: key states, multi-region key crypto, per-region outages and refusals by encryption
 * context. Tests point the AWS provider at it with one endpoint per region ({@link
 * #endpoint(String)}); a shell drill runs it with {@link #main} and drives it with curl. README.md
 * next to this class documents the control API.
 *
 * <p>Each region listens on a port of its own, so a region can be cut for real:
 *
 * <ul>
 *   <li>{@code cut}: the listening socket is closed (connect is refused) and open connections are
 *       reset;
 *   <li>{@code reset}: connections are accepted and each request is answered with a TCP reset;
 *   <li>{@code hang}: requests are read and never answered (until the mode changes, or 120 s);
 *   <li>{@code error5xx}: HTTP 500 {@code KMSInternalException};
 *   <li>{@code throttle}: HTTP 400 {@code ThrottlingException}.
 * </ul>
 *
 * <p>In a region that answers, for Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and
 * ReEncrypt: a key set {@code Disabled} answers {@code DisabledException}, {@code PendingDeletion}
 * answers {@code KMSInvalidStateException} (both HTTP 400, as AWS does), and DescribeKey reports
 * the state; a call whose encryption context contains every pair of a deny rule answers {@code
 * AccessDeniedException}. Crypto of {@code mrk-} keys is answered by {@link MrkCrypto} (moto cannot
 * decrypt MRK ciphertexts in any region); every other call is forwarded to moto unchanged.
 *
 * <p>Test use only: no TLS, no authentication, key material of emulated MRKs in memory.
 */
public final class KmsFaultProxy implements AutoCloseable {
  /** What a region does with a call. */
  public enum Mode {
    NONE,
    CUT,
    RESET,
    HANG,
    ERROR5XX,
    THROTTLE;

    static Mode parse(String s) {
      try {
        return Mode.valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mode must be none|cut|reset|hang|error5xx|throttle", e);
      }
    }
  }

  /** A key's state as the proxy enforces it. */
  public enum KeyState {
    ENABLED,
    DISABLED,
    PENDING_DELETION;

    static KeyState parse(String s) {
      return switch (s.trim().toLowerCase(Locale.ROOT)) {
        case "enabled" -> ENABLED;
        case "disabled" -> DISABLED;
        case "pendingdeletion", "pending_deletion" -> PENDING_DELETION;
        default ->
            throw new IllegalArgumentException("state must be Enabled|Disabled|PendingDeletion");
      };
    }

    String awsName() {
      return switch (this) {
        case ENABLED -> "Enabled";
        case DISABLED -> "Disabled";
        case PENDING_DELETION -> "PendingDeletion";
      };
    }
  }

  /** An answer: HTTP status and JSON body. */
  record Answer(int status, byte[] body) {}

  /** An AWS error a {@link Gate} answers with, e.g. 400 {@code AccessDeniedException}. */
  public record Refusal(int status, String errorType, String message) {}

  /**
   * Decides each KMS call a region answers, before the proxy's own rules: a refusal is the answer,
   * null lets the call go on (to the key states, deny rules, MRK crypto and moto).
   */
  @FunctionalInterface
  public interface Gate {
    @Nullable Refusal check(String region, String action, JsonNode body);
  }

  private static final Set<String> CRYPTO =
      Set.of(
          "Encrypt",
          "Decrypt",
          "GenerateDataKey",
          "GenerateDataKeyWithoutPlaintext",
          "GenerateDataKeyPair",
          "ReEncrypt");
  private static final long MAX_HANG_MS = 120_000;

  private final ObjectMapper json = new ObjectMapper();
  private final KmsForwarder upstream;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "kms-fault-proxy");
            t.setDaemon(true);
            return t;
          });
  private final Map<String, RegionPort> regions = new ConcurrentHashMap<>();
  private final Map<String, KeyState> keyStates = new ConcurrentHashMap<>();
  private final List<Map<String, String>> denyRules = new CopyOnWriteArrayList<>();
  private final Map<String, Map<String, AtomicInteger>> calls = new ConcurrentHashMap<>();
  private final MrkCrypto mrk = new MrkCrypto(json);
  private final ControlApi control;
  private volatile @Nullable Gate gate;
  private volatile boolean closed;

  /**
   * Starts the proxy and its control API on free ports of 127.0.0.1.
   *
   * @param target moto's base URL, e.g. {@code http://127.0.0.1:5000}
   * @param regions the regions to listen for, one port each
   */
  public static KmsFaultProxy start(URI target, List<String> regions) throws IOException {
    Map<String, Integer> ports = new LinkedHashMap<>();
    regions.forEach(r -> ports.put(r, 0));
    return new KmsFaultProxy(target, ports, 0);
  }

  /** With fixed ports (0 for a free one): region → port, and the control API's port. */
  public KmsFaultProxy(URI target, Map<String, Integer> regionPorts, int controlPort)
      throws IOException {
    this.upstream = new KmsForwarder(target, json);
    for (var e : regionPorts.entrySet()) {
      regions.put(e.getKey(), new RegionPort(e.getKey(), e.getValue()));
    }
    this.control = new ControlApi(this, json, controlPort);
  }

  /** The endpoint the AWS provider uses for {@code region}. */
  public URI endpoint(String region) {
    return URI.create("http://127.0.0.1:" + region(region).port);
  }

  /** The control API's base URL ({@code …/_proxy/…} below it). */
  public URI controlEndpoint() {
    return URI.create("http://127.0.0.1:" + control.port());
  }

  /** Sets what {@code region} does with calls; {@link Mode#NONE} heals it. */
  public void fault(String region, Mode mode) {
    region(region).setMode(mode);
  }

  /** Sets a key's state, by ARN (that region only) or by bare key id (every region). */
  public void keyState(String keyIdOrArn, KeyState state) {
    if (state == KeyState.ENABLED) {
      keyStates.remove(keyIdOrArn);
    } else {
      keyStates.put(keyIdOrArn, state);
    }
  }

  /**
   * Adds a rule: calls whose encryption context contains every pair of {@code match} are denied.
   */
  public void denyContext(Map<String, String> match) {
    if (match.isEmpty()) {
      throw new IllegalArgumentException("match must name at least one context key");
    }
    denyRules.add(Map.copyOf(match));
  }

  /** Puts {@code g} in front of every call (null: none). */
  public void gate(@Nullable Gate g) {
    this.gate = g;
  }

  /** Removes every deny rule. */
  public void clearDenyContext() {
    denyRules.clear();
  }

  /** Calls received per region and action (every call, whatever the proxy answered). */
  public Map<String, Map<String, Integer>> calls() {
    Map<String, Map<String, Integer>> out = new TreeMap<>();
    calls.forEach(
        (region, byAction) -> {
          Map<String, Integer> m = new TreeMap<>();
          byAction.forEach((a, n) -> m.put(a, n.get()));
          out.put(region, m);
        });
    return out;
  }

  /** Calls received for one region and action. */
  public int calls(String region, String action) {
    var byAction = calls.get(region);
    AtomicInteger n = byAction == null ? null : byAction.get(action);
    return n == null ? 0 : n.get();
  }

  /** Forgets the call counts. */
  public void resetCalls() {
    calls.clear();
  }

  private RegionPort region(String region) {
    RegionPort p = regions.get(region);
    if (p == null) {
      throw new IllegalArgumentException("the proxy does not listen for region " + region);
    }
    return p;
  }

  @Override
  public void close() {
    closed = true;
    control.close();
    regions.values().forEach(RegionPort::close);
    threads.shutdownNow();
  }

  // ---- the data path ----

  private void serve(RegionPort port, Socket socket) {
    try (socket) {
      InputStream in = socket.getInputStream();
      OutputStream out = socket.getOutputStream();
      while (!closed) {
        HttpWire.Request req = HttpWire.read(in);
        if (req == null) {
          return;
        }
        Mode mode = port.mode;
        if (!req.header("x-amz-target").isEmpty()) {
          count(port.region, action(req));
        }
        switch (mode) {
          case CUT, RESET -> {
            reset(socket);
            return;
          }
          case HANG -> {
            port.hold(socket);
            return;
          }
          case ERROR5XX -> respond(out, awsError(json, 500, "KMSInternalException", "proxy: 5xx"));
          case THROTTLE ->
              respond(out, awsError(json, 400, "ThrottlingException", "Rate exceeded"));
          case NONE -> respond(out, answer(port.region, req));
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, or the region was cut under it
    } finally {
      port.open.remove(socket);
    }
  }

  private Answer answer(String region, HttpWire.Request req) {
    String action = action(req);
    JsonNode body;
    try {
      body = req.body().length == 0 ? json.createObjectNode() : json.readTree(req.body());
    } catch (IOException e) {
      return awsError(json, 400, "SerializationException", "proxy: body is not JSON");
    }
    Gate g = gate;
    Refusal r = g == null || action.isEmpty() ? null : g.check(region, action, body);
    if (r != null) {
      return awsError(json, r.status(), r.errorType(), r.message());
    }
    if (CRYPTO.contains(action)) {
      Answer refused = refusal(action, body);
      if (refused != null) {
        return refused;
      }
      String keyId = "ReEncrypt".equals(action) ? body.path("SourceKeyId").asText() : keyId(body);
      if (MrkCrypto.handles(action, keyId)) {
        return mrk.answer(action, body);
      }
    }
    Answer forwarded = upstream.forward(req);
    return "DescribeKey".equals(action) ? withState(forwarded) : forwarded;
  }

  private @Nullable Answer refusal(String action, JsonNode body) {
    List<String> keys = new ArrayList<>();
    if ("ReEncrypt".equals(action)) {
      keys.add(body.path("SourceKeyId").asText());
      keys.add(body.path("DestinationKeyId").asText());
    } else {
      keys.add(keyId(body));
    }
    for (String k : keys) {
      KeyState st = stateOf(k);
      if (st == KeyState.DISABLED) {
        return awsError(json, 400, "DisabledException", k + " is disabled.");
      }
      if (st == KeyState.PENDING_DELETION) {
        return awsError(json, 400, "KMSInvalidStateException", k + " is pending deletion.");
      }
    }
    for (String field :
        List.of("EncryptionContext", "SourceEncryptionContext", "DestinationEncryptionContext")) {
      JsonNode ctx = body.path(field);
      for (Map<String, String> rule : denyRules) {
        boolean all =
            rule.entrySet().stream()
                .allMatch(e -> e.getValue().equals(ctx.path(e.getKey()).asText(null)));
        if (all) {
          return awsError(
              json,
              400,
              "AccessDeniedException",
              "User: arn:aws:iam::111122223333:role/cmk-platform is not authorized to perform: kms:"
                  + action
                  + " on resource: "
                  + keys.get(0)
                  + " with an explicit deny in a key policy");
        }
      }
    }
    return null;
  }

  /**
   * The enforced state of a key named in a request: a rule by ARN matches that ARN (and a bare id
   * naming the same key); a rule by bare id matches the key in every region.
   */
  private KeyState stateOf(String requested) {
    if (requested.isEmpty() || keyStates.isEmpty()) {
      return KeyState.ENABLED;
    }
    KeyState exact = keyStates.get(requested);
    if (exact != null) {
      return exact;
    }
    String bare = bareId(requested);
    for (var e : keyStates.entrySet()) {
      String k = e.getKey();
      boolean byId = !k.startsWith("arn:") && bare.equals(k);
      boolean bareRequest = !requested.startsWith("arn:") && bareId(k).equals(requested);
      if (byId || bareRequest) {
        return e.getValue();
      }
    }
    return KeyState.ENABLED;
  }

  private Answer withState(Answer a) {
    if (a.status() != 200 || keyStates.isEmpty()) {
      return a;
    }
    try {
      ObjectNode root = (ObjectNode) json.readTree(a.body());
      JsonNode meta = root.path("KeyMetadata");
      KeyState st = stateOf(meta.path("Arn").asText(""));
      if (st != KeyState.ENABLED && meta instanceof ObjectNode m) {
        m.put("KeyState", st.awsName());
        m.put("Enabled", false);
        return new Answer(200, bytes(json, root));
      }
    } catch (IOException | ClassCastException e) {
      // not the JSON we expected: pass moto's answer on
    }
    return a;
  }

  private void count(String region, String action) {
    calls
        .computeIfAbsent(region, r -> new ConcurrentHashMap<>())
        .computeIfAbsent(action, a -> new AtomicInteger())
        .incrementAndGet();
  }

  private static String action(HttpWire.Request req) {
    String t = req.header("x-amz-target");
    return t.substring(t.indexOf('.') + 1);
  }

  private static String keyId(JsonNode body) {
    return body.path("KeyId").asText("");
  }

  private static String bareId(String keyIdOrArn) {
    int i = keyIdOrArn.lastIndexOf(":key/");
    return i < 0 ? keyIdOrArn : keyIdOrArn.substring(i + 5);
  }

  private static void respond(OutputStream out, Answer a) throws IOException {
    HttpWire.write(out, a.status(), "application/x-amz-json-1.1", a.body());
  }

  private static void reset(Socket s) {
    try {
      s.setSoLinger(true, 0); // close() now sends RST instead of FIN
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  static Answer awsError(ObjectMapper json, int status, String type, String message) {
    ObjectNode err = json.createObjectNode().put("__type", type).put("message", message);
    return new Answer(status, bytes(json, err));
  }

  static byte[] bytes(ObjectMapper json, JsonNode node) {
    try {
      return json.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One region's listening port and the connections on it. */
  private final class RegionPort {
    final String region;
    final int port;
    final Set<Socket> open = ConcurrentHashMap.newKeySet();
    volatile Mode mode = Mode.NONE;
    private @Nullable ServerSocket server;
    private final Object hangLock = new Object();

    RegionPort(String region, int port) throws IOException {
      this.region = region;
      this.server = listen(port);
      this.port = server.getLocalPort();
      accept(server);
    }

    synchronized void setMode(Mode next) {
      Mode prev = mode;
      mode = next;
      if (next == Mode.CUT && server != null) {
        closeQuietly(server);
        server = null;
        open.forEach(KmsFaultProxy::reset);
        open.clear();
      } else if (next != Mode.CUT && server == null) {
        try {
          server = listen(port);
          accept(server);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot listen again on port " + port, e);
        }
      }
      if (prev == Mode.HANG && next != Mode.HANG) {
        synchronized (hangLock) {
          hangLock.notifyAll();
        }
      }
    }

    /** Holds a connection without answering until the mode changes or the bound passes. */
    void hold(Socket s) {
      long until = System.currentTimeMillis() + MAX_HANG_MS;
      synchronized (hangLock) {
        while (mode == Mode.HANG && !closed && System.currentTimeMillis() < until) {
          try {
            hangLock.wait(500);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      reset(s);
    }

    private ServerSocket listen(int p) throws IOException {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 100);
      return s;
    }

    private void accept(ServerSocket s) {
      threads.execute(
          () -> {
            while (!s.isClosed()) {
              try {
                Socket c = s.accept();
                c.setTcpNoDelay(true);
                open.add(c);
                threads.execute(() -> serve(this, c));
              } catch (SocketException closedNow) {
                return;
              } catch (IOException e) {
                if (s.isClosed()) {
                  return;
                }
              }
            }
          });
    }

    synchronized void close() {
      if (server != null) {
        closeQuietly(server);
      }
      open.forEach(KmsFaultProxy::reset);
      synchronized (hangLock) {
        hangLock.notifyAll();
      }
    }
  }

  private static void closeQuietly(ServerSocket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /**
   * Runs the proxy until killed, for shell drills: {@code --target http://127.0.0.1:5000 --region
   * us-east-1=8101 --region us-west-2=8102 --control 8100} (port 0 or none: a free one). Prints one
   * line per endpoint.
   */
  public static void main(String[] args) throws Exception {
    @Nullable URI target = null;
    Map<String, Integer> ports = new LinkedHashMap<>();
    int controlPort = 0;
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--target" -> target = URI.create(args[i + 1]);
        case "--control" -> controlPort = Integer.parseInt(args[i + 1]);
        case "--region" -> {
          String[] rp = args[i + 1].split("=", 2);
          ports.put(rp[0], rp.length == 2 ? Integer.parseInt(rp[1]) : 0);
        }
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (target == null || ports.isEmpty()) {
      System.err.println(
          "usage: KmsFaultProxy --target http://127.0.0.1:PORT --region us-east-1[=PORT] ..."
              + " [--control PORT]");
      System.exit(2);
      return;
    }
    KmsFaultProxy proxy = new KmsFaultProxy(target, ports, controlPort);
    System.out.println("control " + proxy.controlEndpoint());
    for (String r : ports.keySet()) {
      System.out.println("region " + r + " " + proxy.endpoint(r));
    }
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(proxy::close));
    Thread.currentThread().join();
  }
}
