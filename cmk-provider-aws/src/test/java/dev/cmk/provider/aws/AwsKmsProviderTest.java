package dev.cmk.provider.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.Grant;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.testkit.KeyProviderContract;
import dev.cmk.provider.testkit.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider contract and the failover rules against {@link FakeKms}, no network. */
class AwsKmsProviderTest extends KeyProviderContract {
  private static final String EAST = "us-east-1";
  private static final String WEST = "us-west-2";
  private static final String EU = "eu-west-1";

  private final FakeKms.World world = new FakeKms.World();
  private final MutableClock clock = new MutableClock();
  private final List<String> served = new CopyOnWriteArrayList<>();
  private AwsKmsProvider provider;
  private String usable;
  private String other;
  private String disabled;
  private KeyRef mrk;

  @BeforeEach
  void setUp() {
    usable = world.createKey(EAST);
    other = world.createKey(EAST);
    disabled = world.createKey(EAST);
    world.disabled.add(disabled);
    String primary = world.createMultiRegionKey(EAST, WEST, EU);
    mrk =
        new KeyRef("aws", primary, List.of(primary.replace(EAST, WEST), primary.replace(EAST, EU)));
    AwsKmsConfig config =
        AwsKmsConfig.defaults("arn:aws:iam::111122223333:role/cmk")
            .withSearchPrincipal("arn:aws:iam::111122223333:role/search")
            .withPrimaryRetryAfter(Duration.ofSeconds(30));
    provider =
        new AwsKmsProvider(
            config,
            (key, by, degraded) -> served.add((degraded ? "replica " : "primary ") + by),
            clock,
            new KmsClients(config, region -> new FakeKms(region, world)));
  }

  @AfterEach
  void tearDown() {
    provider.close();
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
        "aws", "arn:aws:kms:us-east-1:111122223333:key/0badc0de-0000-4000-8000-000000000000");
  }

  @Override
  protected String malformedKeyId() {
    return "0badc0de-0000-4000-8000-000000000000";
  }

  @Override
  protected Optional<KeyRef> disabledKey() {
    return Optional.of(KeyRef.of("aws", disabled));
  }

  @Test
  void everyWrapCarriesTheEncryptionContext() {
    EncryptionContext ctx = context("acct-7");
    try (DataKey dk = provider.generateDataKey(usableKey(), ctx)) {
      assertThat(world.contextsSeen).last().isEqualTo(ctx.asMap());
    }
    assertThat(world.contextsSeen.get(world.contextsSeen.size() - 1))
        .containsKeys("platform", "account", "service", "purpose");
  }

  @Test
  void primaryServesWhileItIsUp() {
    try (DataKey dk = provider.generateDataKey(mrk, context("a"))) {
      assertThat(dk.wrapped()).isNotEmpty();
    }
    assertThat(served).containsExactly("primary " + mrk.keyId());
  }

  @Test
  void replicasServeInOrderWhileThePrimaryRegionIsDownThenThePrimaryReturns() {
    byte[] wrapped;
    try (DataKey dk = provider.generateDataKey(mrk, context("a"))) {
      wrapped = dk.wrapped();
    }
    world.downRegions.add(EAST);
    world.downRegions.add(WEST);
    provider.unwrap(mrk, wrapped, context("a")).close();
    assertThat(served).last().isEqualTo("replica " + mrk.replicaKeyIds().get(1));

    int eastCalls = world.callsByRegion.getOrDefault(EAST, 0);
    provider.unwrap(mrk, wrapped, context("a")).close();
    assertThat(world.callsByRegion.get(EAST)).isEqualTo(eastCalls); // skipped while known down

    world.downRegions.clear();
    clock.advance(Duration.ofSeconds(29));
    provider.unwrap(mrk, wrapped, context("a")).close();
    assertThat(served).last().isEqualTo("replica " + mrk.replicaKeyIds().get(0));

    clock.advance(Duration.ofSeconds(2));
    try (SecretKeyMaterial k = provider.unwrap(mrk, wrapped, context("a"))) {
      assertThat(k.copyBytes()).hasSize(32);
    }
    assertThat(served).last().isEqualTo("primary " + mrk.keyId());
  }

  @Test
  void aKnownDownPrimaryIsStillTriedWhenEveryReplicaFails() {
    world.downRegions.add(EAST);
    provider.describe(mrk);
    assertThat(served).last().isEqualTo("replica " + mrk.replicaKeyIds().get(0));

    world.downRegions.clear();
    world.downRegions.addAll(List.of(WEST, EU));
    provider.describe(mrk); // within the retry window, yet the primary is the last resort
    assertThat(served).last().isEqualTo("primary " + mrk.keyId());
  }

  @Test
  void refusalIsNotFailedOver() {
    world.disabled.add(mrk.keyId());
    assertThatThrownBy(() -> provider.generateDataKey(mrk, context("a")))
        .isInstanceOfSatisfying(
            KeyRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(FailureReason.DISABLED));
    assertThat(world.callsByRegion).doesNotContainKeys(WEST, EU);
  }

  @Test
  void allRegionsDownIsUnavailable() {
    world.downRegions.addAll(List.of(EAST, WEST, EU));
    assertThatThrownBy(() -> provider.generateDataKey(mrk, context("a")))
        .isInstanceOf(KeyUnavailableException.class);
    assertThat(served).isEmpty();
  }

  @Test
  void searchGrantIsIdempotentAndRevocable() {
    GrantSupport g = provider.capability(GrantSupport.class).orElseThrow();
    String alias = world.alias(EAST, "cmk-acme", usable);
    String id =
        g.createSearchGrant(
            KeyRef.of("aws", alias), "search-acme", java.util.Map.of("account", "acct-a"));
    assertThat(
            g.createSearchGrant(usableKey(), "search-acme", java.util.Map.of("account", "acct-a")))
        .isEqualTo(id);
    assertThat(g.listGrants(usableKey()))
        .singleElement()
        .satisfies(
            gr ->
                assertThat(gr.operations())
                    .containsExactlyInAnyOrder(
                        "GenerateDataKey",
                        "Encrypt",
                        "Decrypt",
                        "ReEncryptFrom",
                        "ReEncryptTo",
                        "DescribeKey"));
    g.revokeGrant(usableKey(), id);
    g.revokeGrant(usableKey(), id);
    assertThat(g.listGrants(usableKey())).isEmpty();
  }

  @Test
  void aReplicaGetsItsOwnSearchGrantInItsRegion() {
    GrantSupport g = provider.capability(GrantSupport.class).orElseThrow();
    KeyRef replica = mrk.atReplica(mrk.replicaKeyIds().get(0));
    String onPrimary =
        g.createSearchGrant(mrk, "search-acme", java.util.Map.of("account", "acct-a"));
    int westCalls = world.callsByRegion.getOrDefault(WEST, 0);
    String onReplica =
        g.createSearchGrant(replica, "search-acme", java.util.Map.of("account", "acct-a"));
    assertThat(world.callsByRegion.get(WEST)).isGreaterThan(westCalls);
    assertThat(onReplica).isNotEqualTo(onPrimary);
    // grants are per key and region: neither key lists the other's
    assertThat(g.listGrants(replica)).extracting(Grant::grantId).containsExactly(onReplica);
    assertThat(g.listGrants(mrk)).extracting(Grant::grantId).containsExactly(onPrimary);
    g.revokeGrant(replica, onReplica);
    assertThat(g.listGrants(replica)).isEmpty();
    assertThat(g.listGrants(mrk)).extracting(Grant::grantId).containsExactly(onPrimary);
  }
}
