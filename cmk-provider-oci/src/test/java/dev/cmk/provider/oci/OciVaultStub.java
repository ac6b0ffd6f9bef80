package dev.cmk.provider.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A local stand-in for one OCI Vault: its crypto endpoint ({@code POST /20180608/encrypt}, {@code
 * /decrypt}, {@code /generateDataEncryptionKey}) and its management endpoint ({@code GET
 * /20180608/keys/{keyId}}), on two loopback ports, speaking the JSON the OCI SDK sends and reads.
 *
 * <p>It checks every request's {@code Authorization: Signature version="1",…} header the way OCI
 * does: the key id names the expected tenancy/user/fingerprint, the signed header list covers what
 * OCI requires, {@code x-content-sha256} matches the body, and the RSA-SHA256 signature verifies
 * with the test's public key; otherwise 401 {@code NotAuthenticated}. Keys are real AES-256 keys;
 * ciphertexts are AES-GCM with the key id and the sorted {@code associatedData} as AAD. Disabled
 * and deleting keys answer 409 {@code IncorrectState}; unknown keys 404 {@code
 * NotAuthorizedOrNotFound}; bad ciphertext 400 {@code InvalidParameter}.
 */
final class OciVaultStub implements AutoCloseable {
  enum State {
    ENABLED,
    DISABLED,
    PENDING_DELETION
  }

  private record StubKey(byte[] material, State state) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer crypto;
  private final HttpServer management;
  private final PublicKey signer;
  private final String expectedKeyId;
  private final Map<String, StubKey> keys = new ConcurrentHashMap<>();
  private final SecureRandom random = new SecureRandom();
  private final AtomicInteger verifiedRequests = new AtomicInteger();
  private final AtomicInteger nextFailure = new AtomicInteger();
  private final List<Map<String, String>> loggingContexts = new ArrayList<>();
  private final java.util.concurrent.ExecutorService executor =
      java.util.concurrent.Executors.newCachedThreadPool();
  private volatile long delayMillis;

  OciVaultStub(PublicKey signer, String expectedKeyId) throws IOException {
    this.signer = signer;
    this.expectedKeyId = expectedKeyId;
    InetSocketAddress loopback = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    crypto = HttpServer.create(loopback, 0);
    management = HttpServer.create(loopback, 0);
    crypto.createContext("/20180608/", this::crypto);
    management.createContext("/20180608/keys/", this::management);
    crypto.setExecutor(executor);
    management.setExecutor(executor);
    crypto.start();
    management.start();
  }

  URI cryptoEndpoint() {
    return URI.create("http://127.0.0.1:" + crypto.getAddress().getPort());
  }

  URI managementEndpoint() {
    return URI.create("http://127.0.0.1:" + management.getAddress().getPort());
  }

  String createKey(State state) {
    String ocid = "ocid1.key.oc1.iad.stubvault." + UUID.randomUUID().toString().replace("-", "");
    byte[] k = new byte[32];
    random.nextBytes(k);
    keys.put(ocid, new StubKey(k, state));
    return ocid;
  }

  /** The next request fails with this status (429 TooManyRequests, 5xx InternalServerError). */
  void failNext(int status) {
    nextFailure.set(status);
  }

  void delay(long millis) {
    delayMillis = millis;
  }

  int verifiedRequests() {
    return verifiedRequests.get();
  }

  synchronized List<Map<String, String>> loggingContexts() {
    return List.copyOf(loggingContexts);
  }

  private void crypto(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body = ex.getRequestBody().readAllBytes();
      if (!preflight(ex, body, "POST")) {
        return;
      }
      JsonNode req = JSON.readTree(body);
      String path = ex.getRequestURI().getPath();
      StubKey key = usableKey(ex, req.path("keyId").asText());
      if (key == null) {
        return;
      }
      recordLoggingContext(req);
      switch (path) {
        case "/20180608/encrypt" -> encrypt(ex, req, key);
        case "/20180608/decrypt" -> decrypt(ex, req, key);
        case "/20180608/generateDataEncryptionKey" -> generate(ex, req, key);
        default -> error(ex, 404, "NotAuthorizedOrNotFound", "no such operation " + path);
      }
    } catch (GeneralSecurityException e) {
      error(ex, 500, "InternalServerError", e.toString());
    }
  }

  private void management(HttpExchange ex) throws IOException {
    try (ex) {
      if (!preflight(ex, new byte[0], "GET")) {
        return;
      }
      String ocid = ex.getRequestURI().getPath().substring("/20180608/keys/".length());
      StubKey key = keys.get(ocid);
      if (key == null) {
        error(
            ex,
            404,
            "NotAuthorizedOrNotFound",
            "Authorization failed or requested resource not found.");
        return;
      }
      ObjectNode k = JSON.createObjectNode();
      k.put("id", ocid);
      k.put("compartmentId", "ocid1.compartment.oc1..stub");
      k.put("displayName", "stub key");
      k.put("currentKeyVersion", ocid + ".v1");
      k.putObject("keyShape").put("algorithm", "AES").put("length", 32);
      k.put("protectionMode", "HSM");
      k.put("lifecycleState", key.state().name());
      k.put("timeCreated", "2026-01-01T00:00:00.000Z");
      k.put("vaultId", "ocid1.vault.oc1.iad.stubvault");
      respond(ex, 200, k);
    }
  }

  private boolean preflight(HttpExchange ex, byte[] body, String method) throws IOException {
    int failure = nextFailure.getAndSet(0);
    if (delayMillis > 0) {
      sleep(delayMillis);
    }
    if (failure != 0) {
      error(ex, failure, failure == 429 ? "TooManyRequests" : "InternalServerError", "injected");
      return false;
    }
    String problem = signatureProblem(ex, body);
    if (problem != null) {
      error(ex, 401, "NotAuthenticated", problem);
      return false;
    }
    verifiedRequests.incrementAndGet();
    if (!ex.getRequestMethod().equals(method)) {
      error(ex, 405, "MethodNotAllowed", "method not allowed");
      return false;
    }
    return true;
  }

  /** What is wrong with the request's OCI signature, or null if it verifies. */
  private String signatureProblem(HttpExchange ex, byte[] body) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.startsWith("Signature ")) {
      return "missing Signature authorization";
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (String part : auth.substring("Signature ".length()).split(",")) {
      int eq = part.indexOf('=');
      params.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip().replace("\"", ""));
    }
    if (!"1".equals(params.get("version")) || !"rsa-sha256".equals(params.get("algorithm"))) {
      return "unsupported signature version or algorithm";
    }
    if (!expectedKeyId.equals(params.get("keyId"))) {
      return "unknown keyId " + params.get("keyId");
    }
    List<String> signed = List.of(params.getOrDefault("headers", "").split(" "));
    List<String> required = new ArrayList<>(List.of("date", "(request-target)", "host"));
    if (ex.getRequestMethod().equals("POST")) {
      required.addAll(List.of("x-content-sha256", "content-length", "content-type"));
      String digest = ex.getRequestHeaders().getFirst("x-content-sha256");
      if (!sha256(body).equals(digest)) {
        return "x-content-sha256 does not match the body";
      }
    }
    if (!signed.containsAll(required)) {
      return "signed headers " + signed + " miss some of " + required;
    }
    StringBuilder signingString = new StringBuilder();
    for (String h : signed) {
      if (signingString.length() > 0) {
        signingString.append('\n');
      }
      signingString.append(h).append(": ").append(headerValue(ex, h));
    }
    try {
      Signature s = Signature.getInstance("SHA256withRSA");
      s.initVerify(signer);
      s.update(signingString.toString().getBytes(StandardCharsets.UTF_8));
      return s.verify(Base64.getDecoder().decode(params.get("signature")))
          ? null
          : "signature does not verify";
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return "signature unreadable";
    }
  }

  private static String headerValue(HttpExchange ex, String name) {
    if (name.equals("(request-target)")) {
      URI u = ex.getRequestURI();
      return ex.getRequestMethod().toLowerCase(java.util.Locale.ROOT)
          + " "
          + u.getRawPath()
          + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
    }
    return String.valueOf(ex.getRequestHeaders().getFirst(name));
  }

  private StubKey usableKey(HttpExchange ex, String ocid) throws IOException {
    StubKey key = keys.get(ocid);
    if (key == null) {
      error(
          ex,
          404,
          "NotAuthorizedOrNotFound",
          "Authorization failed or requested resource not found.");
      return null;
    }
    if (key.state() != State.ENABLED) {
      String what = key.state() == State.DISABLED ? "disabled" : "pending deletion";
      error(ex, 409, "IncorrectState", "The key " + ocid + " is " + what + ".");
      return null;
    }
    return key;
  }

  private void encrypt(HttpExchange ex, JsonNode req, StubKey key)
      throws IOException, GeneralSecurityException {
    byte[] plaintext = Base64.getDecoder().decode(req.path("plaintext").asText());
    ObjectNode out = JSON.createObjectNode();
    out.put("ciphertext", seal(key, req, plaintext));
    out.put("keyId", req.path("keyId").asText());
    out.put("keyVersionId", req.path("keyId").asText() + ".v1");
    out.put("encryptionAlgorithm", "AES_256_GCM");
    respond(ex, 200, out);
  }

  private void generate(HttpExchange ex, JsonNode req, StubKey key)
      throws IOException, GeneralSecurityException {
    JsonNode shape = req.path("keyShape");
    if (!"AES".equals(shape.path("algorithm").asText()) || shape.path("length").asInt() != 32) {
      error(ex, 400, "InvalidParameter", "unsupported key shape");
      return;
    }
    byte[] dek = new byte[32];
    random.nextBytes(dek);
    ObjectNode out = JSON.createObjectNode();
    out.put("ciphertext", seal(key, req, dek));
    if (req.path("includePlaintextKey").asBoolean()) {
      out.put("plaintext", Base64.getEncoder().encodeToString(dek));
      out.put("plaintextChecksum", "0");
    }
    respond(ex, 200, out);
  }

  private void decrypt(HttpExchange ex, JsonNode req, StubKey key) throws IOException {
    byte[] sealed;
    try {
      sealed = Base64.getDecoder().decode(req.path("ciphertext").asText());
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          new SecretKeySpec(key.material(), "AES"),
          new GCMParameterSpec(128, sealed, 0, 12));
      c.updateAAD(aad(req));
      byte[] plaintext = c.doFinal(sealed, 12, sealed.length - 12);
      ObjectNode out = JSON.createObjectNode();
      out.put("plaintext", Base64.getEncoder().encodeToString(plaintext));
      out.put("plaintextChecksum", "0");
      out.put("keyId", req.path("keyId").asText());
      out.put("keyVersionId", req.path("keyId").asText() + ".v1");
      out.put("encryptionAlgorithm", "AES_256_GCM");
      respond(ex, 200, out);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      error(ex, 400, "InvalidParameter", "The ciphertext or associated data is invalid.");
    }
  }

  private String seal(StubKey key, JsonNode req, byte[] plaintext) throws GeneralSecurityException {
    byte[] iv = new byte[12];
    random.nextBytes(iv);
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(
        Cipher.ENCRYPT_MODE,
        new SecretKeySpec(key.material(), "AES"),
        new GCMParameterSpec(128, iv));
    c.updateAAD(aad(req));
    byte[] ct = c.doFinal(plaintext);
    return Base64.getEncoder()
        .encodeToString(ByteBuffer.allocate(12 + ct.length).put(iv).put(ct).array());
  }

  private static byte[] aad(JsonNode req) {
    TreeMap<String, String> ad = new TreeMap<>();
    req.path("associatedData").properties().forEach(e -> ad.put(e.getKey(), e.getValue().asText()));
    return (req.path("keyId").asText() + "|" + ad).getBytes(StandardCharsets.UTF_8);
  }

  private synchronized void recordLoggingContext(JsonNode req) {
    Map<String, String> lc = new TreeMap<>();
    req.path("loggingContext").properties().forEach(e -> lc.put(e.getKey(), e.getValue().asText()));
    loggingContexts.add(lc);
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    ObjectNode e = JSON.createObjectNode();
    e.put("code", code);
    e.put("message", message);
    respond(ex, status, e);
  }

  private static void respond(HttpExchange ex, int status, JsonNode json) throws IOException {
    byte[] out = JSON.writeValueAsBytes(json);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.getResponseHeaders().set("opc-request-id", UUID.randomUUID().toString());
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
  }

  private static String sha256(byte[] body) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    crypto.stop(0);
    management.stop(0);
    executor.shutdownNow();
  }
}
