package dev.cmk.provider.azure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.provider.azure.AzureConfig.SecretSource;
import dev.cmk.provider.azure.IdentityStub.Answer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The production credential path: the provider signs in with its client secret (the real Azure
 * identity SDK and MSAL) at {@link IdentityStub} and presents the token it got to {@link
 * KeyVaultStub}. Both listen on 127.0.0.1 only; the authority host is the SDK's own option.
 */
@Timeout(60)
class AzureClientSecretIT {
  private static final String CLIENT_ID = "0f5a8a3c-6a43-4c2e-9d0f-1b2c3d4e5f60";
  private static final String SECRET = "right~Secret.value-0123456789";
  private static final EncryptionContext CONTEXT =
      EncryptionContext.forKek("cmk-test", "acct-a", "0001", "kek", "kek-1");

  private static Path dir;
  private static TestTls tls;
  private static KeyVaultStub vault;
  private static IdentityStub identity;

  @BeforeAll
  @Timeout(120)
  static void start() throws Exception {
    dir = Files.createTempDirectory("cmk-azure-secret");
    tls = TestTls.create(dir);
    vault = new KeyVaultStub(tls.server());
    vault.addKey("alpha", true);
    identity = new IdentityStub(tls.server(), CLIENT_ID, SECRET, KeyVaultStub.TOKEN);
  }

  @AfterAll
  static void stop() {
    identity.close();
    vault.close();
  }

  @AfterEach
  void answerNormally() {
    identity.answerWith(null);
    vault.failAll(0, "");
  }

  @Test
  void signsInWithTheClientSecretAndWrapsWithTheTokenItGot() throws Exception {
    AzureKeyVaultProvider provider = provider("right.secret", SECRET);
    KeyRef key = KeyRef.of("azure", vault.vaultUrl() + "/keys/alpha");
    try (DataKey dk = provider.generateDataKey(key, CONTEXT);
        SecretKeyMaterial back = provider.unwrap(key, dk.wrapped(), CONTEXT)) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
    }
    assertThat(identity.requests())
        .filteredOn(r -> r.form().containsKey("client_secret"))
        .isNotEmpty()
        .allSatisfy(
            r -> {
              assertThat(r.method()).isEqualTo("POST");
              assertThat(r.path()).isEqualTo("/" + KeyVaultStub.TENANT + "/oauth2/v2.0/token");
              assertThat(r.form())
                  .containsEntry("grant_type", "client_credentials")
                  .containsEntry("client_id", CLIENT_ID)
                  .containsEntry("client_secret", SECRET);
              assertThat(IdentityStub.resourceScopes(r.form()))
                  .containsExactly("https://vault.azure.net/.default");
            });
    assertThat(vault.bearerTokensSeen())
        .hasSizeGreaterThanOrEqualTo(2) // at least the wrap and the unwrap
        .containsOnly(KeyVaultStub.TOKEN);
  }

  @Test
  void aWrongSecretIsRefusedAsAMisconfigurationNotAnOutage() throws Exception {
    AzureKeyVaultProvider provider = provider("wrong.secret", "wrong~Secret.value-9876543210");
    KeyRef key = KeyRef.of("azure", vault.vaultUrl() + "/keys/alpha");
    int tokensBefore = vault.bearerTokensSeen().size();
    assertThatThrownBy(() -> provider.generateDataKey(key, CONTEXT))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> {
              assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
              assertThat(e.providerCode()).isEqualTo("SignIn:invalid_client");
            })
        .hasMessageContaining("AADSTS7000215")
        .hasMessageNotContaining("wrong~Secret");
    assertThat(identity.requests())
        .anySatisfy(
            r ->
                assertThat(r.form())
                    .containsEntry("client_secret", "wrong~Secret.value-9876543210"));
    assertThat(vault.bearerTokensSeen()).hasSize(tokensBefore);
  }

  private static AzureKeyVaultProvider provider(String file, String secret) throws Exception {
    Path secretFile = Files.writeString(dir.resolve(file), secret + "\n");
    AzureConfig config =
        new AzureConfig(
            KeyVaultStub.TENANT,
            CLIENT_ID,
            new SecretSource.FromFile(secretFile),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            true);
    return AzureKeyVaultProvider.create(
        config, new SecureRandom(), identity.authorityHost(), tls.client());
  }

  // ---- the identity platform unwell: an outage (retryable), never a refusal -------------------

  /**
   * About the longest a failed call should take: one sign-in attempt (the credential's retries are
   * off) with the test's 1 s connect and 2 s read timeouts, plus slack. Printed next to the time a
   * call took, not asserted (a wall-clock bound flakes on a busy machine).
   */
  private static final Duration BOUND = Duration.ofSeconds(5);

  private static KeyRef alpha() {
    return KeyRef.of("azure", vault.vaultUrl() + "/keys/alpha");
  }

  /** Runs the call, which must fail (its time printed); returns what it threw. */
  private static ProviderException failsAndPrintsTime(ThrowingCallable call) {
    long start = System.nanoTime();
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    // printed, not asserted: a wall-clock bound flakes on a busy machine
    System.out.printf(
        "AzureClientSecretIT: failed after %d ms (expected within about %d s)%n",
        took.toMillis(), BOUND.toSeconds());
    assertThat(thrown).isInstanceOf(ProviderException.class);
    return (ProviderException) thrown;
  }

  private int signIns() {
    return (int)
        identity.requests().stream().filter(r -> r.form().containsKey("client_secret")).count();
  }

  @Test
  void aThrottledSignInIsUnavailableAtOnceWhateverRetryAfterSays() throws Exception {
    identity.answerWith(
        Answer.error(
            429,
            "temporarily_unavailable",
            "AADSTS50196: The server terminated an operation because it encountered a client"
                + " request loop.",
            Map.of("Retry-After", "60")));
    // MSAL remembers a Retry-After for the whole process, per application: a client id of its own
    // keeps it from throttling the other tests' sign-ins
    AzureKeyVaultProvider provider =
        quickProvider("throttled.secret", identity.authorityHost(), newClientId());
    int before = signIns();
    int tokensBefore = vault.bearerTokensSeen().size();
    ProviderException e = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(e)
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            u -> {
              assertThat(u.reason()).isEqualTo(FailureReason.THROTTLED);
              assertThat(u.providerCode()).isEqualTo("SignIn:temporarily_unavailable");
            })
        .hasMessageContaining("HTTP 429")
        .hasMessageNotContaining(SECRET);
    assertThat(signIns() - before).as("sign-in attempts").isEqualTo(1);

    // while the Retry-After lasts MSAL answers for the platform at once, without a request
    ProviderException again = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(again)
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            u -> assertThat(u.reason()).isEqualTo(FailureReason.THROTTLED));
    assertThat(signIns() - before).as("sign-in attempts").isLessThanOrEqualTo(2);
    assertThat(vault.bearerTokensSeen()).as("no token reached the vault").hasSize(tokensBefore);
  }

  private static String newClientId() {
    return java.util.UUID.randomUUID().toString();
  }

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {500, 502, 503, 504})
  void anIdentityPlatformServerErrorIsUnavailable(int status) throws Exception {
    identity.answerWith(
        Answer.error(
            status,
            "server_error",
            "AADSTS90033: A transient error has occurred. Please try again.",
            Map.of()));
    assertUnavailable(FailureReason.PROVIDER_ERROR, "HTTP " + status);
  }

  @Test
  void aGatewayErrorPageInsteadOfTheIdentityPlatformIsUnavailable() throws Exception {
    identity.answerWith(
        new Answer(
            503,
            "text/html",
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
            Map.of("Retry-After", "120")));
    // MSAL cannot read the page, so the status is lost: an answer nobody understood is an outage
    assertUnavailable(null, "SignIn:invalid_json", newClientId());
  }

  @Test
  void aTokenResponseThatIsNoTokenIsUnavailable() throws Exception {
    identity.answerWith(
        new Answer(
            200,
            "application/json; charset=utf-8",
            "{\"token_type\":\"Bearer\",\"expires_in\":35",
            Map.of()));
    assertUnavailable(null, "");
  }

  @Test
  void aTokenResponseWithoutAnAccessTokenIsUnavailable() throws Exception {
    identity.answerWith(
        new Answer(
            200,
            "application/json; charset=utf-8",
            "{\"token_type\":\"Bearer\",\"expires_in\":3599}",
            Map.of()));
    int tokensBefore = vault.bearerTokensSeen().size();
    assertUnavailable(null, "no access token");
    assertThat(vault.bearerTokensSeen()).hasSize(tokensBefore);
  }

  private void assertUnavailable(FailureReason reason, String message) throws Exception {
    assertUnavailable(reason, message, CLIENT_ID);
  }

  private void assertUnavailable(FailureReason reason, String message, String clientId)
      throws Exception {
    AzureKeyVaultProvider provider =
        quickProvider("unwell.secret", identity.authorityHost(), clientId);
    int before = signIns();
    ProviderException e = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(e)
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            u -> {
              if (reason != null) {
                assertThat(u.reason()).isEqualTo(reason);
              }
            })
        .hasMessageContaining(message)
        .hasMessageNotContaining(SECRET);
    // MSAL itself tries a 5xx without Retry-After once more, after 1 s; nothing else retries
    assertThat(signIns() - before).as("sign-in attempts").isBetween(1, 2);
  }

  @Test
  void aTokenEndpointThatRefusesConnectionsIsUnavailable() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    AzureKeyVaultProvider provider =
        quickProvider("refused.secret", URI.create("https://127.0.0.1:" + port + "/"));
    ProviderException e = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(e)
        .isInstanceOfSatisfying(
            KeyUnavailableException.class,
            u -> assertThat(u.reason()).isIn(FailureReason.NETWORK, FailureReason.TIMEOUT));
  }

  @Test
  void aTokenEndpointThatResetsConnectionsIsUnavailable() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread resetter =
          new Thread(
              () -> {
                while (!s.isClosed()) {
                  try (Socket c = s.accept()) {
                    c.setSoLinger(true, 0); // close with RST
                  } catch (IOException closed) {
                    return;
                  }
                }
              },
              "token-endpoint-resetter");
      resetter.setDaemon(true);
      resetter.start();
      InetSocketAddress at = (InetSocketAddress) s.getLocalSocketAddress();
      AzureKeyVaultProvider provider =
          quickProvider("reset.secret", URI.create("https://127.0.0.1:" + at.getPort() + "/"));
      ProviderException e = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
      assertThat(e)
          .isInstanceOfSatisfying(
              KeyUnavailableException.class,
              u -> assertThat(u.reason()).isIn(FailureReason.NETWORK, FailureReason.TIMEOUT));
    }
  }

  // ---- the identity platform refusing the principal: a misconfiguration, refused ---------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"invalid_grant", "unauthorized_client", "invalid_client"})
  void aSignInTheIdentityPlatformRefusesIsAccessDenied(String error) throws Exception {
    identity.answerWith(
        Answer.error(
            400, error, "AADSTS700016: Application not found in the directory.", Map.of()));
    AzureKeyVaultProvider provider = quickProvider("refused.secret");
    int before = signIns();
    ProviderException e = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(e)
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            r -> {
              assertThat(r.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
              assertThat(r.providerCode()).isEqualTo("SignIn:" + error);
            });
    assertThat(signIns() - before).as("a refusal is not retried").isEqualTo(1);
  }

  // ---- the vault unwell, on the production credential path ------------------------------------

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {429, 503})
  void aThrottledOrUnwellVaultIsUnavailableAfterOneRequest(int status) throws Exception {
    AzureKeyVaultProvider provider = quickProvider("vault.secret");
    byte[] wrapped;
    try (DataKey dk = provider.generateDataKey(alpha(), CONTEXT)) {
      wrapped = dk.wrapped();
    }
    vault.failAll(status, "60");
    FailureReason expected = status == 429 ? FailureReason.THROTTLED : FailureReason.PROVIDER_ERROR;
    int before = vault.requests();
    ProviderException onWrap = failsAndPrintsTime(() -> provider.generateDataKey(alpha(), CONTEXT));
    assertThat(vault.requests() - before).as("requests for one wrap").isEqualTo(1);
    before = vault.requests();
    ProviderException onUnwrap =
        failsAndPrintsTime(() -> provider.unwrap(alpha(), wrapped, CONTEXT));
    assertThat(vault.requests() - before).as("requests for one unwrap").isEqualTo(1);
    for (ProviderException e : java.util.List.of(onWrap, onUnwrap)) {
      assertThat(e)
          .isInstanceOfSatisfying(
              KeyUnavailableException.class, u -> assertThat(u.reason()).isEqualTo(expected))
          .hasMessageContaining("HTTP " + status);
    }
  }

  /** A provider with short timeouts (1 s connect, 2 s read) signing in at the identity stub. */
  private static AzureKeyVaultProvider quickProvider(String file) throws Exception {
    return quickProvider(file, identity.authorityHost());
  }

  private static AzureKeyVaultProvider quickProvider(String file, URI authority) throws Exception {
    return quickProvider(file, authority, CLIENT_ID);
  }

  private static AzureKeyVaultProvider quickProvider(String file, URI authority, String clientId)
      throws Exception {
    Path secretFile = Files.writeString(dir.resolve(file), SECRET + "\n");
    AzureConfig config =
        new AzureConfig(
            KeyVaultStub.TENANT,
            clientId,
            new SecretSource.FromFile(secretFile),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            true);
    return AzureKeyVaultProvider.create(config, new SecureRandom(), authority, tls.client());
  }
}
