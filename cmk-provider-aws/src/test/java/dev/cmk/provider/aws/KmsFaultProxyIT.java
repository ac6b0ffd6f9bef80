package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.resilience.ResiliencePolicy;
import dev.cmk.provider.resilience.ResilientKeyProvider;
import dev.cmk.provider.resilience.Sleeper;
import dev.cmk.provider.testkit.kms.KmsFaultProxy;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link KmsFaultProxy} in front of moto, driven only through its HTTP control API (as a shell
 * drill drives it), with the real AWS provider pointed at it per region: every fault lands in the
 * failure family AWS's real answer would, and the resilience layer fails a multi-region key over
 * per region.
 */
class KmsFaultProxyIT {
  private static final String EAST = "us-east-1";
  private static final String WEST = "us-west-2";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private static MotoServer moto;
  private static MotoKms kms;
  private static KmsFaultProxy proxy;
  private static KeyRef key;
  private static KeyRef mrk;

  private final List<String> served = new CopyOnWriteArrayList<>();
  private AwsKmsProvider aws;
  private ResilientKeyProvider resilient;

  @BeforeAll
  static void start() throws Exception {
    moto = MotoServer.start();
    kms = new MotoKms(moto.endpoint());
    key = KeyRef.of("aws", kms.createKey(EAST, "tenant"));
    String primary = kms.createMultiRegionKey(EAST);
    mrk = new KeyRef("aws", primary, List.of(kms.replicate(primary, EAST, WEST)));
    proxy = KmsFaultProxy.start(moto.endpoint(), List.of(EAST, WEST));
  }

  @AfterAll
  static void stop() throws Exception {
    proxy.close();
    kms.close();
    moto.close();
  }

  @BeforeEach
  void provider() {
    AwsKmsConfig config =
        MotoKms.config(URI.create("http://127.0.0.1:1"))
            .withRegionEndpoints(Map.of(EAST, proxy.endpoint(EAST), WEST, proxy.endpoint(WEST)))
            .withTimeouts(Duration.ofSeconds(1), Duration.ofSeconds(2));
    aws = new AwsKmsProvider(config, KeyServingListener.none(), Clock.systemUTC());
    ResiliencePolicy d = ResiliencePolicy.defaults();
    resilient =
        new ResilientKeyProvider(
            aws,
            new ResiliencePolicy(
                Duration.ofSeconds(5),
                1,
                d.baseBackoff(),
                d.maxBackoff(),
                d.breakerWindow(),
                d.breakerMinimumCalls(),
                d.breakerFailureRatePercent(),
                d.breakerOpenFor(),
                d.breakerHalfOpenCalls(),
                d.maxConcurrentPerKey()),
            Clock.systemUTC(),
            Sleeper.system(),
            new Random(1),
            (k, by, degraded) -> served.add((degraded ? "replica " : "primary ") + by),
            ResilientKeyProvider.RetryListener.none());
  }

  @AfterEach
  void heal() throws Exception {
    control("POST", "/_proxy/regions/" + EAST + "/fault", "{\"mode\":\"none\"}");
    control("POST", "/_proxy/regions/" + WEST + "/fault", "{\"mode\":\"none\"}");
    control(
        "POST", "/_proxy/keys/state", "{\"keyId\":\"" + key.keyId() + "\",\"state\":\"Enabled\"}");
    control("DELETE", "/_proxy/deny-context", null);
    resilient.close();
    aws.close();
  }

  private static EncryptionContext ctx(String service) {
    return EncryptionContext.forKek("cmk-test", "acct", service, "kek", "kek-1");
  }

  private static JsonNode control(String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(proxy.controlEndpoint().resolve(path));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  private static FailureReason reasonOf(Runnable call) {
    try {
      call.run();
    } catch (ProviderException e) {
      return e.reason();
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  @DisplayName("each region fault lands in the unavailable family with the reason AWS would give")
  void regionFaults() throws Exception {
    KeyProvider p = aws;
    String fault = "/_proxy/regions/" + EAST + "/fault";
    control("POST", fault, "{\"mode\":\"cut\"}");
    assertThat(reasonOf(() -> p.describe(key))).isEqualTo(FailureReason.NETWORK);
    control("POST", fault, "{\"mode\":\"reset\"}");
    assertThat(reasonOf(() -> p.describe(key))).isIn(FailureReason.NETWORK, FailureReason.TIMEOUT);
    control("POST", fault, "{\"mode\":\"hang\"}");
    assertThat(reasonOf(() -> p.describe(key))).isEqualTo(FailureReason.TIMEOUT);
    control("POST", fault, "{\"mode\":\"error5xx\"}");
    assertThat(reasonOf(() -> p.describe(key))).isEqualTo(FailureReason.PROVIDER_ERROR);
    control("POST", fault, "{\"mode\":\"throttle\"}");
    assertThat(reasonOf(() -> p.describe(key))).isEqualTo(FailureReason.THROTTLED);
    control("POST", fault, "{\"mode\":\"none\"}");
    assertThat(p.describe(key).keyId()).isNotBlank();
  }

  @Test
  @DisplayName("key states and deny rules refuse as AWS does; describe shows the state")
  void keyStatesAndDenyByContext() throws Exception {
    DataKey dk = aws.generateDataKey(key, ctx("0001"));
    control(
        "POST", "/_proxy/keys/state", "{\"keyId\":\"" + key.keyId() + "\",\"state\":\"Disabled\"}");
    assertThat(reasonOf(() -> aws.unwrap(key, dk.wrapped(), ctx("0001"))))
        .isEqualTo(FailureReason.DISABLED);
    assertThat(aws.describe(key).state().name()).isEqualTo("DISABLED");
    control(
        "POST",
        "/_proxy/keys/state",
        "{\"keyId\":\"" + key.keyId() + "\",\"state\":\"PendingDeletion\"}");
    assertThat(reasonOf(() -> aws.generateDataKey(key, ctx("0001"))))
        .isEqualTo(FailureReason.PENDING_DELETION);
    control(
        "POST", "/_proxy/keys/state", "{\"keyId\":\"" + key.keyId() + "\",\"state\":\"Enabled\"}");

    control("POST", "/_proxy/deny-context", "{\"match\":{\"service\":\"0002\"}}");
    assertThat(reasonOf(() -> aws.generateDataKey(key, ctx("0002"))))
        .isEqualTo(FailureReason.ACCESS_DENIED);
    try (SecretKeyMaterial back = aws.unwrap(key, dk.wrapped(), ctx("0001"))) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes()); // other slices serve
    }
    control("DELETE", "/_proxy/deny-context", null);
    aws.generateDataKey(key, ctx("0002")).close();
    dk.close();
  }

  @Test
  @DisplayName("MRK: a replica decrypts the primary's ciphertext; a cut primary fails over at once")
  void multiRegionKeyAcrossRegions() throws Exception {
    byte[] wrapped;
    byte[] plain;
    try (DataKey dk = resilient.generateDataKey(mrk, ctx("0001"))) {
      wrapped = dk.wrapped();
      plain = dk.plaintext().copyBytes();
    }
    assertThat(served).containsExactly("primary " + mrk.keyId());
    try (SecretKeyMaterial back =
        aws.unwrap(mrk.atReplica(mrk.replicaKeyIds().get(0)), wrapped, ctx("0001"))) {
      assertThat(back.copyBytes()).isEqualTo(plain);
    }
    assertThatThrownBy(() -> aws.unwrap(mrk, wrapped, ctx("0002")))
        .isInstanceOf(BadCiphertextException.class); // the context still binds

    control("POST", "/_proxy/regions/" + EAST + "/fault", "{\"mode\":\"cut\"}");
    control("DELETE", "/_proxy/calls", null);
    for (int i = 0; i < 8; i++) {
      try (SecretKeyMaterial back = resilient.unwrap(mrk, wrapped, ctx("0001"))) {
        assertThat(back.copyBytes()).isEqualTo(plain);
      }
    }
    assertThat(served).last().isEqualTo("replica " + mrk.replicaKeyIds().get(0));
    assertThat(resilient.circuitState(mrk.atReplica(mrk.keyId())).name()).isEqualTo("OPEN");
    JsonNode calls = control("GET", "/_proxy/calls", null);
    assertThat(calls.path(WEST).path("Decrypt").asInt()).isEqualTo(8);
    assertThat(calls.path(EAST).path("Decrypt").asInt()).isZero(); // cut: connect refused
  }
}
