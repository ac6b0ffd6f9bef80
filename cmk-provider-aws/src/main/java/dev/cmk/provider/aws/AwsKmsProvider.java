package dev.cmk.provider.aws;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.BadCiphertextException;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.PolicyReader;
import dev.cmk.provider.ProviderException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.DataKeySpec;

/**
 * AWS KMS as a {@link KeyProvider}: GenerateDataKey, Encrypt, Decrypt and ReEncrypt, each with the
 * encryption context, against the region the key ARN names.
 *
 * <p><b>Multi-region keys.</b> A {@link KeyRef} may list replicas of its multi-region key. When the
 * primary region is unavailable (never when it refuses), the call goes to the replicas in order,
 * the {@link KeyServingListener} hears that a replica served (the key is <i>degraded</i>), and the
 * primary is skipped for {@link AwsKmsConfig#primaryRetryAfter()}; after that it is tried first
 * again, and when it answers the listener hears the key is back on its primary. In a node this
 * provider is wrapped by {@code ResilientKeyProvider}, which fails over itself, copy by copy with a
 * breaker per (key, region), and hands this provider one copy at a time: then this loop sees a
 * single target and the node's listener is the resilience layer's.
 *
 * <p><b>Grants.</b> {@code capability(GrantSupport.class)} creates, lists and revokes grants for
 * the configured search principal, on the one key (primary or replica) a ref names: KMS grants do
 * not follow a multi-region key to its replicas.
 *
 * <p><b>Security:</b> plaintext keys cross this class only inside {@link SecretKeyMaterial}; the
 * SDK's own byte buffers that held them are overwritten after use. Every failure is translated by
 * {@link AwsErrorClassifier}; no SDK type escapes.
 */
public final class AwsKmsProvider implements KeyProvider, KeyIdSyntax, PolicyReader, AutoCloseable {
  public static final String KIND = "aws";
  private static final Logger LOG = LoggerFactory.getLogger(AwsKmsProvider.class);

  /** One place a call can go: the primary or one replica. */
  record Target(String registeredId, AwsKeyArn arn, boolean primary) {}

  private final AwsKmsConfig config;
  private final KeyServingListener listener;
  private final Clock clock;
  private final KmsClients clients;
  private final ConcurrentMap<String, Instant> primaryDownUntil = new ConcurrentHashMap<>();
  private final AwsGrants grants;

  public AwsKmsProvider(AwsKmsConfig config, KeyServingListener listener, Clock clock) {
    this(config, listener, clock, new KmsClients(config));
  }

  /** With per-region clients from {@code clients}: a fake of the SDK in unit tests. */
  AwsKmsProvider(
      AwsKmsConfig config, KeyServingListener listener, Clock clock, KmsClients clients) {
    this.config = config;
    this.listener = listener;
    this.clock = clock;
    this.clients = clients;
    this.grants = new AwsGrants(this, config.searchPrincipalArn());
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public void checkKeyId(String keyId) {
    AwsKeyArn.parse(keyId);
  }

  /** Each ARN, and the multi-region rules that bind replicas to their primary. */
  @Override
  public void checkKeyRef(KeyRef key) {
    MrkReplicaRules.check(key);
  }

  @Override
  public Optional<String> regionOf(String keyId) {
    return Optional.of(AwsKeyArn.parse(keyId).region());
  }

  /** Grants ({@link AwsGrants}), besides what this class implements: ids, key policies. */
  @Override
  public <T> Optional<T> capability(Class<T> type) {
    return type == GrantSupport.class
        ? Optional.of(type.cast(grants))
        : KeyProvider.super.capability(type);
  }

  @Override
  public KeyDescription describe(KeyRef key) {
    return call(
        key,
        "DescribeKey",
        (kms, t) ->
            AwsKeyDescriptions.of(kms.describeKey(r -> r.keyId(t.arn().arn())).keyMetadata()));
  }

  @Override
  public DataKey generateDataKey(KeyRef key, EncryptionContext context) {
    return call(
        key,
        "GenerateDataKey",
        (kms, t) -> {
          var resp =
              kms.generateDataKey(
                  r ->
                      r.keyId(t.arn().arn())
                          .keySpec(DataKeySpec.AES_256)
                          .encryptionContext(context.asMap()));
          return new DataKey(takeKey(resp.plaintext(), t), resp.ciphertextBlob().asByteArray());
        });
  }

  @Override
  public byte[] wrap(KeyRef key, SecretKeyMaterial plaintext, EncryptionContext context) {
    return call(
        key,
        "Encrypt",
        (kms, t) -> {
          byte[] raw = plaintext.copyBytes();
          try {
            return kms.encrypt(
                    r ->
                        r.keyId(t.arn().arn())
                            .plaintext(SdkBytes.fromByteArrayUnsafe(raw))
                            .encryptionContext(context.asMap()))
                .ciphertextBlob()
                .asByteArray();
          } finally {
            Arrays.fill(raw, (byte) 0);
          }
        });
  }

  @Override
  public SecretKeyMaterial unwrap(KeyRef key, byte[] wrapped, EncryptionContext context) {
    return call(
        key,
        "Decrypt",
        (kms, t) ->
            takeKey(
                kms.decrypt(
                        r ->
                            r.keyId(t.arn().arn())
                                .ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                                .encryptionContext(context.asMap()))
                    .plaintext(),
                t));
  }

  /**
   * ReEncrypt inside KMS when both keys are AWS keys in one region, so the plaintext never leaves
   * KMS; otherwise unwrap and wrap.
   */
  @Override
  public byte[] rewrap(KeyRef from, byte[] wrapped, EncryptionContext context, KeyRef to) {
    if (!KIND.equals(to.provider())) {
      return KeyProvider.super.rewrap(from, wrapped, context, to);
    }
    AwsKeyArn src = AwsKeyArn.parse(from.keyId());
    AwsKeyArn dst = AwsKeyArn.parse(to.keyId());
    if (!src.region().equals(dst.region())) {
      return KeyProvider.super.rewrap(from, wrapped, context, to);
    }
    return callPrimary(
        to,
        "ReEncrypt",
        (kms, t) ->
            kms.reEncrypt(
                    r ->
                        r.ciphertextBlob(SdkBytes.fromByteArray(wrapped))
                            .sourceKeyId(src.arn())
                            .sourceEncryptionContext(context.asMap())
                            .destinationKeyId(dst.arn())
                            .destinationEncryptionContext(context.asMap()))
                .ciphertextBlob()
                .asByteArray());
  }

  /**
   * GetKeyPolicy (policy name {@code default}) of the one key {@code key.keyId()} names, never a
   * replica in its place: each replica has its own policy. Aliases are resolved first.
   */
  @Override
  public String keyPolicy(KeyRef key) {
    return callPrimary(
        key,
        "GetKeyPolicy",
        (kms, t) -> {
          String arn =
              t.arn().kind() == AwsKeyArn.Kind.ALIAS
                  ? kms.describeKey(r -> r.keyId(t.arn().arn())).keyMetadata().arn()
                  : t.arn().arn();
          return kms.getKeyPolicy(r -> r.keyId(arn).policyName("default")).policy();
        });
  }

  @Override
  public void close() {
    clients.close();
  }

  /** Calls the primary, then on unavailability the replicas, as the class comment describes. */
  <T> T call(KeyRef key, String operation, BiFunction<KmsClient, Target, T> fn) {
    ProviderException lastUnavailable = null;
    for (Target t : targets(key)) {
      try {
        T result = fn.apply(clients.forRegion(t.arn().region()), t);
        served(key, t);
        return result;
      } catch (SdkException e) {
        ProviderException p = AwsErrorClassifier.classify(e, operation, t.arn().arn());
        if (!(p instanceof KeyUnavailableException) || key.replicaKeyIds().isEmpty()) {
          throw p;
        }
        if (t.primary()) {
          markPrimaryDown(key, p);
        }
        lastUnavailable = p;
      }
    }
    throw lastUnavailable;
  }

  /**
   * Calls only the key {@code key.keyId()} names, without failover: grants and ReEncrypt act where
   * the caller asked (a replica's grant is made with {@code key.atReplica(arn)}).
   */
  <T> T callPrimary(KeyRef key, String operation, BiFunction<KmsClient, Target, T> fn) {
    Target t = new Target(key.keyId(), AwsKeyArn.parse(key.keyId()), true);
    try {
      return fn.apply(clients.forRegion(t.arn().region()), t);
    } catch (SdkException e) {
      throw AwsErrorClassifier.classify(e, operation, t.arn().arn());
    }
  }

  private List<Target> targets(KeyRef key) {
    List<Target> out = new ArrayList<>();
    Target primary = new Target(key.keyId(), AwsKeyArn.parse(key.keyId()), true);
    for (String replica : key.replicaKeyIds()) {
      out.add(new Target(replica, AwsKeyArn.parse(replica), false));
    }
    Instant until = primaryDownUntil.get(key.keyId());
    boolean skipFirst = until != null && clock.instant().isBefore(until) && !out.isEmpty();
    // A primary known to be down goes last, not away: if every replica fails, it is tried too.
    out.add(skipFirst ? out.size() : 0, primary);
    return out;
  }

  private void markPrimaryDown(KeyRef key, ProviderException cause) {
    Instant until = clock.instant().plus(config.primaryRetryAfter());
    if (primaryDownUntil.put(key.keyId(), until) == null) {
      LOG.warn(
          "primary of {} unavailable ({}); replicas serve until {}", key, cause.reason(), until);
    }
  }

  private void served(KeyRef key, Target t) {
    if (t.primary() && primaryDownUntil.remove(key.keyId()) != null) {
      LOG.info("primary of {} answers again", key);
    }
    try {
      listener.served(key, t.registeredId(), !t.primary());
    } catch (RuntimeException e) {
      LOG.warn("serving listener failed for {}", key, e);
    }
  }

  private static SecretKeyMaterial takeKey(SdkBytes plaintext, Target t) {
    byte[] raw = plaintext.asByteArrayUnsafe();
    try {
      if (raw.length != SecretKeyMaterial.AES_256_BYTES) {
        throw new BadCiphertextException(
            FailureReason.INVALID_CIPHERTEXT,
            "UnexpectedKeyLength",
            "AWS KMS returned a " + raw.length + "-byte key from " + t.arn() + ", expected 32");
      }
      return SecretKeyMaterial.copyOf(raw);
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }
}
