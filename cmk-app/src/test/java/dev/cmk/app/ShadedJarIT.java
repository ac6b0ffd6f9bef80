package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar, started as `java -jar cmk.jar serve` with every provider enabled
 * (AWS, Azure, OCI, PKCS#11): it starts, serves, and each provider's SDK loads and classifies a
 * failure (no reachable peer) as a validation report, not a 5xx. This is the check that the three
 * cloud SDKs and their HTTP stacks coexist in one classpath.
 */
class ShadedJarIT {
  private static final String OPERATOR = "cmk_shaded_jar_test_operator_token_0123456789";
  @TempDir Path dir;

  @Test
  void startsWithAllProvidersAndEachSdkAnswersThroughTheApi() throws Exception {
    Path jar = Path.of("target", "cmk.jar");
    assertThat(jar).exists();
    int port = freePort();
    int closed = freePort();
    Files.writeString(dir.resolve("oci.pem"), "not a key");
    ProcessBuilder pb =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-jar",
                jar.toString(),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.log").toFile());
    Map<String, String> env = pb.environment();
    env.put("CMK_SERVER_PORT", Integer.toString(port));
    env.put("CMK_STORAGE_DATA_DIR", dir.toString());
    env.put("CMK_LOCAL_KEYSTORE", dir.resolve("keys.p12").toString());
    env.put("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR);
    env.put("CMK_PROVIDERS_AWS_ENABLED", "true");
    env.put("CMK_PROVIDERS_AWS_ENDPOINT_OVERRIDE", "http://127.0.0.1:" + closed);
    env.put("CMK_PROVIDERS_AWS_ACCESS_KEY_ID", "test");
    env.put("CMK_PROVIDERS_AWS_SECRET_ACCESS_KEY", "test");
    env.put("CMK_PROVIDERS_RESILIENCE_MAX_ATTEMPTS", "1");
    // the Azure/OCI key ids below name closed ports on this machine
    env.put("CMK_PROVIDERS_ALLOW_LOOPBACK_ENDPOINTS", "true");
    env.put("CMK_PROVIDERS_AZURE_ENABLED", "true");
    env.put("CMK_PROVIDERS_AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000001");
    env.put("CMK_PROVIDERS_AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000002");
    env.put("CMK_AZURE_CLIENT_SECRET", "not-a-secret");
    env.put("CMK_PROVIDERS_OCI_ENABLED", "true");
    env.put("CMK_PROVIDERS_OCI_TENANCY_OCID", "ocid1.tenancy.oc1..aaaa");
    env.put("CMK_PROVIDERS_OCI_USER_OCID", "ocid1.user.oc1..aaaa");
    env.put("CMK_PROVIDERS_OCI_FINGERPRINT", "12:34:56:78:9a:bc:de:f0:12:34:56:78:9a:bc:de:f0");
    env.put("CMK_PROVIDERS_OCI_PRIVATE_KEY_PEM", dir.resolve("oci.pem").toString());
    env.put("CMK_PROVIDERS_PKCS11_ENABLED", "true");
    env.put("CMK_PROVIDERS_PKCS11_LIBRARY", "/usr/lib/softhsm/libsofthsm2.so");
    env.put("CMK_PROVIDERS_PKCS11_TOKEN_LABEL", "absent-token");
    env.put("CMK_PKCS11_PIN", "1234");
    Process p = pb.start();
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      String base = "http://127.0.0.1:" + port;
      awaitHealthy(http, base, p);
      String account =
          json(send(http, base, "POST", "/v1/accounts", "{\"name\":\"Shaded\"}"))
              .get("id")
              .asText();
      Map<String, String> keys =
          Map.of(
              "aws",
              "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
              "azure",
              "https://127.0.0.1:" + closed + "/keys/cmk-root",
              "oci",
              "ocid1.key.oc1.iad.aaaa.bbbb;crypto=https://127.0.0.1:"
                  + closed
                  + ";management=https://127.0.0.1:"
                  + closed,
              "pkcs11",
              "acme-root");
      for (var e : keys.entrySet()) {
        HttpResponse<String> r =
            send(
                http,
                base,
                "PUT",
                "/v1/accounts/" + account + "/key",
                "{\"provider\":\""
                    + e.getKey()
                    + "\",\"keyId\":\""
                    + e.getValue().replace("\"", "")
                    + "\"}");
        System.out.println(e.getKey() + " → " + r.statusCode() + " " + r.body());
        assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(409);
        assertThat(json(r, 409).get("error").get("code").asText())
            .isEqualTo("key_validation_failed");
      }
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private static void awaitHealthy(HttpClient http, String base, Process p) throws Exception {
    await("cmk serve becomes healthy")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsInstanceOf(IOException.class) // the child JVM is still starting
        .until(
            () -> {
              assertThat(p.isAlive()).as("cmk serve exited early").isTrue();
              return http.send(
                          HttpRequest.newBuilder(URI.create(base + "/v1/health")).build(),
                          HttpResponse.BodyHandlers.ofString())
                      .statusCode()
                  == 200;
            });
  }

  private static HttpResponse<String> send(
      HttpClient http, String base, String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + OPERATOR)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isLessThan(300);
    return new ObjectMapper().readTree(r.body());
  }

  private static JsonNode json(HttpResponse<String> r, int status) throws IOException {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return new ObjectMapper().readTree(r.body());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
