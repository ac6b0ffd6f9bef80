package dev.cmk.provider.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.security.keyvault.keys.models.KeyOperation;
import com.azure.security.keyvault.keys.models.KeyProperties;
import com.azure.security.keyvault.keys.models.KeyType;
import com.azure.security.keyvault.keys.models.KeyVaultKey;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.LoopbackEndpoints;
import dev.cmk.provider.azure.AzureErrors.Op;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;

/**
 * Customer keys in Azure Key Vault or Managed HSM: RSA keys ({@code RSA}, {@code RSA-HSM}) used
 * with {@code wrapKey}/{@code unwrapKey} and RSA-OAEP-256, through the real Azure SDK on the JDK
 * HTTP client.
 *
 * <p>Key ids are key identifier URLs ({@link AzureKeyId}). Data keys come from a {@link
 * SecureRandom}. Key Vault's RSA wrap takes no associated data, so the {@link EncryptionContext} is
 * bound inside the wrapped value ({@link ContextBoundWrap}); unwrap under another context fails as
 * bad ciphertext.
 *
 * <p><b>Security:</b> the RSA private key never leaves the vault and every wrap runs there (no
 * local public-key wraps); the client secret is read once at start-up and held only by the Azure
 * credential; no Azure type leaves this module; exceptions carry Key Vault codes, never key bytes.
 */
public final class AzureKeyVaultProvider implements KeyProvider, KeyIdSyntax {
  public static final String KIND = "azure";

  private final AzureClients clients;
  private final ConcurrentMap<String, WrapAlgorithm> algorithms = new ConcurrentHashMap<>();
  private final SecureRandom random;
  private final Clock clock;
  private final boolean allowLoopback;

  /**
   * @param allowLoopback whether key ids may name this machine (the protocol stubs of tests)
   */
  AzureKeyVaultProvider(
      TokenCredential credential,
      HttpClient http,
      SecureRandom random,
      Clock clock,
      boolean allowLoopback) {
    this.clients = new AzureClients(credential, http);
    this.random = random;
    this.clock = clock;
    this.allowLoopback = allowLoopback;
  }

  /**
   * A provider that signs in as the configured application with its client secret. The credential
   * may get tokens in any tenant that has consented to the (multi-tenant) application, because a
   * customer's vault lives in the customer's tenant, which the vault's bearer challenge names.
   */
  public static AzureKeyVaultProvider create(AzureConfig config, SecureRandom random) {
    return create(config, random, null, null);
  }

  /**
   * As {@link #create(AzureConfig, SecureRandom)}, signing in at {@code authorityHost} (null: the
   * SDK's default, {@code AZURE_AUTHORITY_HOST} or the public cloud) over a transport that trusts
   * {@code tls} (null: the JDK's trust store). A loopback authority (a test's identity stub) needs
   * {@link AzureConfig#allowLoopbackEndpoints()} and gets no instance discovery, which would
   * otherwise ask login.microsoftonline.com about it.
   */
  static AzureKeyVaultProvider create(
      AzureConfig config,
      SecureRandom random,
      @Nullable URI authorityHost,
      @Nullable SSLContext tls) {
    HttpClient http = AzureClients.httpClient(config.connectTimeout(), config.readTimeout(), tls);
    ClientSecretCredentialBuilder b =
        new ClientSecretCredentialBuilder()
            .tenantId(config.tenantId())
            .clientId(config.clientId())
            .clientSecret(SecretReader.read(config.clientSecret()))
            .additionallyAllowedTenants("*")
            .httpClient(http)
            .retryOptions(AzureClients.NO_RETRIES)
            .httpLogOptions(AzureClients.noHttpLogging());
    if (authorityHost != null) {
      b.authorityHost(authorityHost.toString());
    }
    if (authorityHost != null && LoopbackEndpoints.isLoopback(authorityHost.getHost())) {
      if (!config.allowLoopbackEndpoints()) {
        throw new IllegalArgumentException(
            "an Azure authority host on this machine needs allowLoopbackEndpoints (tests only)");
      }
      b.disableInstanceDiscovery();
    }
    return new AzureKeyVaultProvider(
        SignInCheck.requireAccessToken(b.build()),
        http,
        random,
        Clock.systemUTC(),
        config.allowLoopbackEndpoints());
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void checkKeyId(String keyId) {
    AzureKeyId.parse(keyId, allowLoopback);
  }

  /**
   * Reads the key. Key Vault refuses even {@code get} on a disabled key (403); that answer is
   * reported as a {@code DISABLED} description rather than an exception, since it is what was
   * asked.
   */
  @Override
  public KeyDescription describe(KeyRef key) {
    AzureKeyId id = AzureKeyId.parse(key.keyId(), allowLoopback);
    KeyVaultKey k;
    try {
      k = getKey(id);
    } catch (KeyRefusedException e) {
      if (e.reason() != FailureReason.DISABLED) {
        throw e;
      }
      return new KeyDescription(
          id.identifier(), KeyState.DISABLED, false, Optional.empty(), false, "unknown (disabled)");
    }
    return describe(k);
  }

  private KeyVaultKey getKey(AzureKeyId id) {
    return call(
        Op.GET_KEY,
        id.identifier(),
        () ->
            id.version().isPresent()
                ? clients.keys(id).getKey(id.name(), id.version().get())
                : clients.keys(id).getKey(id.name()));
  }

  private KeyDescription describe(KeyVaultKey k) {
    KeyProperties p = k.getProperties();
    boolean wrapType = WrapAlgorithm.forKeyType(k.getKeyType()).isPresent();
    List<KeyOperation> ops = k.getKeyOperations();
    boolean wraps =
        ops == null
            || (ops.contains(KeyOperation.WRAP_KEY) && ops.contains(KeyOperation.UNWRAP_KEY));
    String spec =
        k.getKeyType() + Optional.ofNullable(p.getExpiresOn()).map(e -> " expires " + e).orElse("");
    return new KeyDescription(
        k.getId(), state(p), wrapType && wraps, Optional.empty(), false, spec);
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    SecretKeyMaterial fresh = SecretKeyMaterial.random(random);
    try {
      return new DataKey(fresh, wrap(key, fresh, context));
    } catch (RuntimeException e) {
      fresh.close();
      throw e;
    }
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    AzureKeyId id = AzureKeyId.parse(key.keyId(), allowLoopback);
    WrapAlgorithm algorithm = algorithm(id);
    byte[] raw = plaintext.copyBytes();
    byte[] boundKey = ContextBoundWrap.boundKey(raw, id.name(), context);
    Arrays.fill(raw, (byte) 0);
    try {
      var result =
          call(
              Op.WRAP,
              id.identifier(),
              () -> clients.crypto(id, id.identifier()).wrapKey(algorithm.sdk, boundKey));
      String version = versionUsed(result.getKeyId(), id);
      return ContextBoundWrap.format(algorithm, id.name(), version, result.getEncryptedKey());
    } finally {
      Arrays.fill(boundKey, (byte) 0);
    }
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    AzureKeyId id = AzureKeyId.parse(key.keyId(), allowLoopback);
    ContextBoundWrap.Parsed parsed = ContextBoundWrap.parse(wrapped);
    if (!parsed.name().equalsIgnoreCase(id.name())) {
      throw ContextBoundWrap.bad(
          "the wrapped key was made by key '" + parsed.name() + "', not '" + id.name() + "'");
    }
    String identifier = id.withVersion(parsed.version());
    byte[] boundKey =
        call(
                Op.UNWRAP,
                identifier,
                () ->
                    clients
                        .crypto(id, identifier)
                        .unwrapKey(parsed.algorithm().sdk, parsed.ciphertext()))
            .getKey();
    return ContextBoundWrap.open(boundKey, id.name(), context);
  }

  /**
   * The wrap algorithm for the key's type, read once per key (one {@code get}, which the key's role
   * allows anyway) and kept: RSA keys use RSA-OAEP-256, Managed HSM {@code oct-HSM} keys A256KW.
   */
  private WrapAlgorithm algorithm(AzureKeyId id) {
    String name = id.vault() + "/keys/" + id.name().toLowerCase(Locale.ROOT);
    WrapAlgorithm known = algorithms.get(name);
    if (known != null) {
      return known;
    }
    KeyType type = getKey(id).getKeyType();
    WrapAlgorithm algorithm =
        WrapAlgorithm.forKeyType(type)
            .orElseThrow(
                () ->
                    new KeyRefusedException(
                        FailureReason.INVALID_KEY_USAGE,
                        "UnsupportedKeyType",
                        id.identifier()
                            + " is a "
                            + type
                            + " key; CMK wraps with RSA or oct-HSM keys"));
    algorithms.put(name, algorithm);
    return algorithm;
  }

  private KeyState state(KeyProperties p) {
    OffsetDateTime now = OffsetDateTime.now(clock);
    boolean expired = p.getExpiresOn() != null && !now.isBefore(p.getExpiresOn());
    boolean early = p.getNotBefore() != null && now.isBefore(p.getNotBefore());
    return Boolean.TRUE.equals(p.isEnabled()) && !expired && !early
        ? KeyState.ENABLED
        : KeyState.DISABLED;
  }

  /** The version the vault used, from the {@code kid} it answered with. */
  private static String versionUsed(String kid, AzureKeyId id) {
    if (kid != null) {
      String last = kid.substring(kid.lastIndexOf('/') + 1);
      if (last.matches("[0-9a-fA-F]{32}")) {
        return last;
      }
    }
    return id.version()
        .orElseThrow(
            () ->
                new KeyUnavailableException(
                    FailureReason.PROVIDER_ERROR,
                    "NoKeyVersion",
                    "wrap with " + id.identifier() + " did not say which key version it used"));
  }

  private static <T> T call(Op op, String key, Supplier<T> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      throw AzureErrors.classify(e, op, key);
    }
  }
}
