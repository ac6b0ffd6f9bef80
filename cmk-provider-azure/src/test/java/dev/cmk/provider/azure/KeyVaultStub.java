package dev.cmk.provider.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.MGF1ParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.OAEPParameterSpec;
import javax.crypto.spec.PSource;
import javax.net.ssl.SSLContext;

/**
 * A local stand-in for one Azure Key Vault over HTTPS on 127.0.0.1, following the REST contract the
 * SDK uses: a request without a bearer token gets 401 with the {@code WWW-Authenticate: Bearer
 * authorization=…, resource=…} challenge; {@code GET /keys/{name}[/{version}]}; {@code POST
 * /keys/{name}/{version}/wrapkey|unwrapkey} with real RSA-OAEP-256 on generated RSA keys; every
 * request needs {@code api-version}. Errors use Key Vault's body {@code
 * {"error":{"code","message"}}}: 404 {@code KeyNotFound}, 403 {@code Forbidden} for disabled keys
 * and missing permissions, 400 {@code BadParameter} for undecryptable values.
 */
final class KeyVaultStub implements AutoCloseable {
  static final String TOKEN = "stub-access-token";
  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  private static final Pattern PATH =
      Pattern.compile("/keys/([0-9A-Za-z-]+)(?:/([0-9a-f]{32})?)?(?:/(wrapkey|unwrapkey))?/?");
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One version of a key: an RSA key pair, or an AES-256 key for an {@code oct-HSM} key. */
  record Version(
      String id, KeyPair pair, byte[] aes, boolean enabled, List<String> ops, Long expires) {}

  private final HttpsServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, List<Version>> keys = new ConcurrentHashMap<>();
  private final Map<String, Boolean> forbidden = new ConcurrentHashMap<>();
  private final AtomicInteger nextFailure = new AtomicInteger();
  private final AtomicInteger requests = new AtomicInteger();
  private volatile int failAll;
  private volatile String failRetryAfter = "";
  private final AtomicInteger challenges = new AtomicInteger();
  private final List<String> bearerTokens = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile long delayMillis;

  private final String resource;

  /** A Key Vault (challenge resource {@code https://vault.azure.net}). */
  KeyVaultStub(SSLContext tls) throws IOException {
    this(tls, "https://vault.azure.net");
  }

  /** A vault whose challenge names {@code resource}, e.g. {@code https://managedhsm.azure.net}. */
  KeyVaultStub(SSLContext tls, String resource) throws IOException {
    this.resource = resource;
    server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    server.createContext("/keys/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  String vaultUrl() {
    return "https://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Adds a new current version of {@code name}; returns its version id. */
  String addVersion(String name, boolean enabled, List<String> ops, Long expiresEpochSeconds)
      throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    String id = UUID.randomUUID().toString().replace("-", "");
    keys.computeIfAbsent(name, n -> new ArrayList<>())
        .add(new Version(id, g.generateKeyPair(), null, enabled, ops, expiresEpochSeconds));
    return id;
  }

  /** Adds a new current version of an {@code oct-HSM} (AES-256) key. */
  String addOctKey(String name) {
    byte[] aes = new byte[32];
    new java.security.SecureRandom().nextBytes(aes);
    String id = UUID.randomUUID().toString().replace("-", "");
    keys.computeIfAbsent(name, n -> new ArrayList<>())
        .add(new Version(id, null, aes, true, List.of("wrapKey", "unwrapKey"), null));
    return id;
  }

  String addKey(String name, boolean enabled) throws GeneralSecurityException {
    return addVersion(name, enabled, List.of("wrapKey", "unwrapKey", "encrypt", "decrypt"), null);
  }

  /** Requests for {@code name} answer 403 as if the principal lacked permissions. */
  void forbid(String name) {
    forbidden.put(name, true);
  }

  void failNext(int status) {
    nextFailure.set(status);
  }

  /**
   * Every request from now on fails with {@code status} (0: none do), with a {@code Retry-After}
   * header of {@code retryAfter} seconds if not empty, as a throttled or unwell vault answers.
   */
  void failAll(int status, String retryAfter) {
    failRetryAfter = retryAfter;
    failAll = status;
  }

  /** How many requests reached the vault. */
  int requests() {
    return requests.get();
  }

  void delay(long millis) {
    delayMillis = millis;
  }

  int challengesSent() {
    return challenges.get();
  }

  /** The bearer tokens requests carried, in order (one entry per request that had one). */
  List<String> bearerTokensSeen() {
    return List.copyOf(bearerTokens);
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (auth != null && auth.startsWith("Bearer ")) {
        bearerTokens.add(auth.substring("Bearer ".length()));
      }
      requests.incrementAndGet();
      int failure = nextFailure.getAndSet(0);
      if (failure == 0 && failAll != 0) {
        failure = failAll;
        if (!failRetryAfter.isEmpty()) {
          ex.getResponseHeaders().set("Retry-After", failRetryAfter);
        }
      }
      if (delayMillis > 0) {
        Thread.sleep(delayMillis);
      }
      if (failure != 0) {
        error(ex, failure, failure == 429 ? "Throttled" : "InternalServerError", "injected");
      } else if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        challenge(ex);
      } else if (ex.getRequestURI().getQuery() == null
          || !ex.getRequestURI().getQuery().contains("api-version=")) {
        error(ex, 400, "BadParameter", "The api-version query parameter is missing.");
      } else {
        route(ex, body);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (GeneralSecurityException e) {
      error(ex, 500, "InternalServerError", e.getClass().getSimpleName());
    }
  }

  private void challenge(HttpExchange ex) throws IOException {
    challenges.incrementAndGet();
    ex.getResponseHeaders()
        .set(
            "WWW-Authenticate",
            "Bearer authorization=\"https://login.microsoftonline.com/"
                + TENANT
                + "\", resource=\""
                + resource
                + "\"");
    error(ex, 401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
  }

  private void route(HttpExchange ex, byte[] body) throws IOException, GeneralSecurityException {
    Matcher m = PATH.matcher(ex.getRequestURI().getPath());
    if (!m.matches()) {
      error(ex, 404, "NotFound", "no such path");
      return;
    }
    String name = m.group(1);
    if (forbidden.containsKey(name)) {
      error(
          ex,
          403,
          "Forbidden",
          "The user, group or application does not have keys get/wrapKey/unwrapKey permission on this key vault.");
      return;
    }
    Version v = version(name, m.group(2));
    if (v == null) {
      error(
          ex,
          404,
          "KeyNotFound",
          "A key with (name/id) " + name + " was not found in this key vault.");
      return;
    }
    String op = m.group(3) == null ? "get" : m.group(3).equals("wrapkey") ? "wrapKey" : "unwrapKey";
    if (!v.enabled()) {
      error(ex, 403, "Forbidden", "Operation " + op + " is not allowed on a disabled key.");
    } else if (op.equals("get")) {
      respond(ex, 200, bundle(name, v));
    } else if (!v.ops().contains(op)) {
      error(ex, 403, "Forbidden", "Operation " + op + " is not permitted for this key.");
    } else {
      crypt(ex, name, v, op, JSON.readTree(body));
    }
  }

  private Version version(String name, String id) {
    List<Version> versions = keys.get(name);
    if (versions == null || versions.isEmpty()) {
      return null;
    }
    if (id == null || id.isEmpty()) {
      return versions.get(versions.size() - 1);
    }
    return versions.stream().filter(v -> v.id().equals(id)).findFirst().orElse(null);
  }

  private void crypt(HttpExchange ex, String name, Version v, String op, JsonNode req)
      throws IOException {
    String alg = v.aes() == null ? "RSA-OAEP-256" : "A256KW";
    if (!alg.equals(req.path("alg").asText())) {
      error(ex, 400, "BadParameter", "Unsupported algorithm " + req.path("alg").asText());
      return;
    }
    try {
      Cipher c = v.aes() == null ? rsa(v, op) : aesKw(v, op);
      byte[] out = c.doFinal(Base64.getUrlDecoder().decode(req.path("value").asText()));
      ObjectNode result = JSON.createObjectNode();
      result.put("kid", kid(name, v));
      result.put("value", Base64.getUrlEncoder().withoutPadding().encodeToString(out));
      respond(ex, 200, result);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      error(ex, 400, "BadParameter", "The parameter value is not valid for " + op + ".");
    }
  }

  private static Cipher rsa(Version v, String op) throws GeneralSecurityException {
    Cipher rsa = Cipher.getInstance("RSA/ECB/OAEPPadding");
    OAEPParameterSpec oaep =
        new OAEPParameterSpec(
            "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, PSource.PSpecified.DEFAULT);
    if (op.equals("wrapKey")) {
      rsa.init(Cipher.ENCRYPT_MODE, v.pair().getPublic(), oaep);
    } else {
      rsa.init(Cipher.DECRYPT_MODE, v.pair().getPrivate(), oaep);
    }
    return rsa;
  }

  /** RFC 3394 AES key wrap, as Managed HSM's A256KW. */
  private static Cipher aesKw(Version v, String op) throws GeneralSecurityException {
    Cipher kw = Cipher.getInstance("AESWrap");
    kw.init(
        op.equals("wrapKey") ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE,
        new javax.crypto.spec.SecretKeySpec(v.aes(), "AES"));
    return kw;
  }

  private ObjectNode bundle(String name, Version v) {
    ObjectNode b = JSON.createObjectNode();
    ObjectNode key = b.putObject("key");
    key.put("kid", kid(name, v));
    key.put("kty", v.aes() == null ? "RSA-HSM" : "oct-HSM");
    v.ops().forEach(key.putArray("key_ops")::add);
    if (v.aes() == null) {
      RSAPublicKey pub = (RSAPublicKey) v.pair().getPublic();
      key.put("n", b64(pub.getModulus()));
      key.put("e", b64(pub.getPublicExponent()));
    }
    ObjectNode attrs = b.putObject("attributes");
    attrs.put("enabled", v.enabled());
    attrs.put("created", 1767225600L);
    attrs.put("updated", 1767225600L);
    attrs.put("recoveryLevel", "Recoverable+Purgeable");
    if (v.expires() != null) {
      attrs.put("exp", v.expires());
    }
    return b;
  }

  private String kid(String name, Version v) {
    return vaultUrl() + "/keys/" + name + "/" + v.id();
  }

  private static String b64(BigInteger i) {
    byte[] b = i.toByteArray();
    if (b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    ObjectNode e = JSON.createObjectNode();
    e.putObject("error").put("code", code).put("message", message);
    respond(ex, status, e);
  }

  private static void respond(HttpExchange ex, int status, JsonNode json) throws IOException {
    byte[] out = JSON.writeValueAsBytes(json);
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
