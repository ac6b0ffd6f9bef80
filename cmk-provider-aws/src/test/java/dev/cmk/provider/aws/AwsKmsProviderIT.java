package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.Grant;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyServingListener;
import dev.cmk.provider.testkit.KeyProviderContract;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The provider contract against a real {@code moto_server} on 127.0.0.1, plus the AWS-specific
 * behaviour: aliases, keys in another region, ReEncrypt, search grants. Keys, aliases and grants
 * are created through the SDK.
 *
 * <p>Emulated, because moto does not enforce key state: the refusal of the one disabled key. The
 * key is really disabled in moto (DescribeKey reports it), and a {@link FaultProxy} answers its
 * GenerateDataKey/Encrypt/Decrypt with KMS's DisabledException. Every other call passes the proxy
 * unchanged.
 */
class AwsKmsProviderIT extends KeyProviderContract {
  private static final String EAST = "us-east-1";
  private static final String WEST = "us-west-2";

  private static MotoServer moto;
  private static MotoKms kms;
  private static FaultProxy proxy;
  private static AwsKmsProvider provider;
  private static String usable;
  private static String other;
  private static String disabled;
  private static String aliasArn;
  private static String westKey;

  @BeforeAll
  static void startMoto() throws Exception {
    moto = MotoServer.start();
    kms = new MotoKms(moto.endpoint());
    usable = kms.createKey(EAST, "usable");
    other = kms.createKey(EAST, "other");
    disabled = kms.createKey(EAST, "disabled");
    kms.disable(EAST, disabled);
    aliasArn = kms.alias(EAST, "cmk-acme", usable);
    westKey = kms.createKey(WEST, "in another region");
    proxy = new FaultProxy(moto.endpoint(), false);
    FaultProxy.Fault off =
        new FaultProxy.AwsError(400, "DisabledException", disabled + " is disabled.");
    for (String op : List.of("GenerateDataKey", "Encrypt", "Decrypt")) {
      proxy.failKeyOperation(resourceId(disabled), op, off);
    }
    provider =
        new AwsKmsProvider(
            MotoKms.config(proxy.endpoint()), KeyServingListener.none(), Clock.systemUTC());
  }

  @AfterAll
  static void stopMoto() {
    for (AutoCloseable c : new AutoCloseable[] {provider, proxy, kms, moto}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort: the next resource still has to be closed
      }
    }
  }

  private static String resourceId(String arn) {
    return arn.substring(arn.lastIndexOf('/') + 1);
  }

  @Override
  protected KeyProvider provider() {
    return provider;
  }

  @Override
  protected KeyRef usableKey() {
    return KeyRef.of("aws", usable);
  }

  @Override
  protected KeyRef otherUsableKey() {
    return KeyRef.of("aws", other);
  }

  @Override
  protected KeyRef missingKey() {
    return KeyRef.of(
        "aws", "arn:aws:kms:us-east-1:123456789012:key/0badc0de-0000-4000-8000-000000000000");
  }

  @Override
  protected String malformedKeyId() {
    return "alias/cmk-acme";
  }

  /**
   * Used by the contract's disabledKeyIsRefusedAsDisabled: the refusal is emulated by the proxy,
   * because moto ignores key state; the disabled state itself is moto's.
   */
  @Override
  protected Optional<KeyRef> disabledKey() {
    return Optional.of(KeyRef.of("aws", disabled));
  }

  @Test
  void describeShowsADisabledKeyAsDisabledFromMotosOwnState() {
    assertThat(provider.describe(KeyRef.of("aws", disabled)).state()).isEqualTo(KeyState.DISABLED);
  }

  @Test
  void aliasArnWorksAndDescribeNamesTheKeyBehindIt() {
    KeyRef alias = KeyRef.of("aws", aliasArn);
    try (DataKey dk = provider.generateDataKey(alias, context("acct-a"));
        SecretKeyMaterial back = provider.unwrap(alias, dk.wrapped(), context("acct-a"))) {
      assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
    }
    assertThat(provider.describe(alias).keyId()).isEqualTo(usable);
  }

  @Test
  void aKeyInAnotherRegionIsCalledInThatRegion() {
    int before = proxy.hits(WEST);
    KeyRef west = KeyRef.of("aws", westKey);
    provider.probe(west, context("probe"));
    assertThat(provider.describe(west).region()).contains(WEST);
    assertThat(proxy.hits(WEST) - before).isEqualTo(3);
  }

  @Test
  void rewrapUsesReEncryptSoThePlaintextStaysInKms() {
    int before = proxy.hits(EAST, "ReEncrypt");
    try (DataKey dk = provider.generateDataKey(usableKey(), context("acct-a"))) {
      byte[] moved =
          provider.rewrap(usableKey(), dk.wrapped(), context("acct-a"), otherUsableKey());
      try (SecretKeyMaterial back = provider.unwrap(otherUsableKey(), moved, context("acct-a"))) {
        assertThat(back.copyBytes()).isEqualTo(dk.plaintext().copyBytes());
      }
    }
    assertThat(proxy.hits(EAST, "ReEncrypt") - before).isEqualTo(1);
  }

  @Test
  void searchGrantIsCreatedOnceListedAndRevoked() {
    GrantSupport grants = provider.capability(GrantSupport.class).orElseThrow();
    KeyRef key = otherUsableKey();

    String id =
        grants.createSearchGrant(key, "cmk-search-acct-a", java.util.Map.of("account", "acct-a"));
    assertThat(
            grants.createSearchGrant(
                key, "cmk-search-acct-a", java.util.Map.of("account", "acct-a")))
        .isEqualTo(id);

    List<Grant> listed = grants.listGrants(key);
    assertThat(listed)
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.grantId()).isEqualTo(id);
              assertThat(g.granteePrincipal()).isEqualTo(MotoKms.SEARCH_PRINCIPAL);
              assertThat(g.operations())
                  .contains("Decrypt", "GenerateDataKey", "ReEncryptFrom", "ReEncryptTo");
            });

    grants.revokeGrant(key, id);
    grants.revokeGrant(key, id); // already gone: not an error
    assertThat(grants.listGrants(key)).isEmpty();
  }

  /**
   * Every grant call on a replica ref reaches the replica's region and acts on the replica there.
   * Not asserted here: that the primary does not see the replica's grant. moto 5 replicates a key
   * by a shallow copy, so primary and replica share one grants table (real KMS keeps them apart);
   * AwsKmsProviderTest checks that separation against FakeKms.
   */
  @Test
  void aMultiRegionReplicaGetsItsOwnSearchGrantInItsRegion() {
    GrantSupport grants = provider.capability(GrantSupport.class).orElseThrow();
    String primary = kms.createMultiRegionKey(EAST);
    KeyRef mrk = new KeyRef("aws", primary, List.of(kms.replicate(primary, EAST, WEST)));
    KeyRef replica = mrk.atReplica(mrk.replicaKeyIds().get(0));
    int eastCreates = proxy.hits(EAST, "CreateGrant");
    int westCreates = proxy.hits(WEST, "CreateGrant");
    int westRevokes = proxy.hits(WEST, "RevokeGrant");

    String id =
        grants.createSearchGrant(
            replica, "cmk-search-acct-b", java.util.Map.of("account", "acct-a"));
    assertThat(proxy.hits(WEST, "CreateGrant") - westCreates).isEqualTo(1);
    assertThat(proxy.hits(EAST, "CreateGrant")).isEqualTo(eastCreates);
    assertThat(grants.listGrants(replica))
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.grantId()).isEqualTo(id);
              assertThat(g.granteePrincipal()).isEqualTo(MotoKms.SEARCH_PRINCIPAL);
            });

    grants.revokeGrant(replica, id);
    assertThat(proxy.hits(WEST, "RevokeGrant") - westRevokes).isEqualTo(1);
    assertThat(grants.listGrants(replica)).isEmpty();
  }

  @Test
  void aSearchGrantNeedsAConfiguredSearchPrincipal() {
    AwsKmsConfig noSearch = MotoKms.config(proxy.endpoint());
    noSearch =
        new AwsKmsConfig(
            noSearch.endpointOverride(),
            noSearch.defaultRegion(),
            noSearch.credentials(),
            noSearch.connectTimeout(),
            noSearch.callTimeout(),
            noSearch.platformPrincipalArn(),
            Optional.empty(),
            noSearch.primaryRetryAfter());
    try (AwsKmsProvider p =
        new AwsKmsProvider(noSearch, KeyServingListener.none(), Clock.systemUTC())) {
      assertThatThrownBy(
              () ->
                  p.capability(GrantSupport.class)
                      .orElseThrow()
                      .createSearchGrant(usableKey(), "g", java.util.Map.of("account", "acct-a")))
          .isInstanceOf(KeyRefusedException.class)
          .hasMessageContaining("aws.searchPrincipalArn");
    }
  }
}
