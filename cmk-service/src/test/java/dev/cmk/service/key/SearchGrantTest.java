package dev.cmk.service.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.cmk.provider.Grant;
import dev.cmk.provider.KeyProvider;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.ServiceFixture;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService.Options;
import dev.cmk.service.availability.KeyEvent;
import dev.cmk.service.reprotect.Job;
import dev.cmk.service.reprotect.JobService.RotateRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search service's standing grants (DESIGN.md flow 8) against a fake cloud KMS with grants:
 * made on activation and when search is turned on, on the primary and each replica; revoked when
 * search is turned off and, after a rotation, on the old key once the switch is final; a revoke the
 * provider does not confirm stays pending and is retried; a refused grant changes nothing.
 */
class SearchGrantTest {
  static final String SEARCH = "arn:aws:iam::111122223333:role/cmk-search";

  @TempDir Path dir;
  FakeKms kms;
  ServiceFixture f;

  @BeforeEach
  void setUp() {
    kms = FakeKms.withSearchKeys(dir);
    f =
        ServiceFixture.h2(
            dir,
            List.<KeyProvider>of(kms),
            new KeyService.Principals(
                Map.of("fake", "arn:aws:iam::111122223333:role/cmk-platform"),
                Map.of("fake", SEARCH)));
  }

  @AfterEach
  void tearDown() {
    f.close();
  }

  private Account account(boolean search) {
    return f.accounts.createWith(
        "Acme",
        new Options(Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(search)));
  }

  private CustomerKey registerA(Account a) {
    return f.keys.register(a, "fake", "fk-a", List.of("fk-a-replica")).key();
  }

  private List<Grant> standing(String keyId) {
    return kms.grantsOn(keyId).stream().filter(g -> g.name().startsWith("cmk-search-")).toList();
  }

  private List<KeyEvent> grantEvents(Account a) {
    return f.availability.events(a.id(), 100).stream()
        .filter(e -> e.kind().startsWith("search_grant_"))
        .toList();
  }

  @Test
  void activationWithSearchOnGrantsOnThePrimaryAndOnEachReplicaInItsRegion() {
    Account a = account(true);
    CustomerKey key = registerA(a);

    String name = "cmk-search-" + a.id() + "-" + key.id();
    assertThat(standing("fk-a"))
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.name()).isEqualTo(name);
              assertThat(g.granteePrincipal()).isEqualTo(SEARCH);
            });
    assertThat(standing("fk-a-replica")).singleElement().extracting(Grant::name).isEqualTo(name);
    assertThat(f.keys.searchGrants(a.id()))
        .extracting(
            SearchGrant::customerKeyId,
            SearchGrant::keyId,
            SearchGrant::region,
            SearchGrant::replica,
            SearchGrant::grantId,
            SearchGrant::status)
        .containsExactly(
            tuple(
                key.id(),
                "fk-a",
                "us-east-1",
                false,
                standing("fk-a").get(0).grantId(),
                SearchGrant.Status.ACTIVE),
            tuple(
                key.id(),
                "fk-a-replica",
                "eu-central-1",
                true,
                standing("fk-a-replica").get(0).grantId(),
                SearchGrant.Status.ACTIVE));
    assertThat(grantEvents(a))
        .extracting(KeyEvent::kind, KeyEvent::reason, KeyEvent::source, KeyEvent::customerKeyId)
        .containsOnly(tuple(SearchGrantService.CREATED, "key_activated", "admin", key.id()))
        .hasSize(2);
    assertThat(grantEvents(a).get(0).detail()).contains("eu-central-1").contains(SEARCH);
  }

  @Test
  void aRetryFindsTheGrantInsteadOfMakingASecond() {
    Account a = account(true);
    CustomerKey key = registerA(a);
    List<SearchGrant> first = f.keys.searchGrants(a.id());

    // a retried PUT of the same key: nothing new anywhere
    assertThat(registerA(a).id()).isEqualTo(key.id());
    assertThat(f.keys.searchGrants(a.id())).isEqualTo(first);
    assertThat(standing("fk-a")).hasSize(1);

    // the rows were lost after the grants were made (a node died): the retry stores the
    // provider's existing grants, found by their deterministic name, and makes none
    first.forEach(g -> f.searchGrantStore.delete(g.id()));
    registerA(a);
    assertThat(f.keys.searchGrants(a.id()))
        .extracting(SearchGrant::grantId)
        .containsExactlyElementsOf(first.stream().map(SearchGrant::grantId).toList());
    assertThat(standing("fk-a")).hasSize(1);
    assertThat(standing("fk-a-replica")).hasSize(1);
  }

  @Test
  void searchTurnedOnGrantsAndTurnedOffRevokes() {
    Account a = account(false);
    registerA(a);
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
    assertThat(standing("fk-a")).isEmpty();

    assertThat(f.accounts.setSearchEncryption(a.id(), true).searchEncryption()).isTrue();
    assertThat(f.keys.searchGrants(a.id())).hasSize(2);
    assertThat(standing("fk-a")).hasSize(1);
    assertThat(standing("fk-a-replica")).hasSize(1);
    assertThat(grantEvents(a)).extracting(KeyEvent::reason).containsOnly("search_on");

    assertThat(f.accounts.setSearchEncryption(a.id(), false).searchEncryption()).isFalse();
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
    assertThat(standing("fk-a")).isEmpty();
    assertThat(standing("fk-a-replica")).isEmpty();
    assertThat(grantEvents(a).subList(0, 2))
        .extracting(KeyEvent::kind, KeyEvent::reason)
        .containsOnly(tuple(SearchGrantService.REVOKED, "search_off"));
  }

  @Test
  void aProviderWithoutGrantsGetsNone() {
    Account a = account(true);
    f.keys.register(a, "remote", "customer", List.of());
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
  }

  @Test
  void rotationGrantsOnTheNewKeyAndRevokesOnTheOldOnlyWhenTheSwitchIsFinal() {
    Account a = account(true);
    CustomerKey old = registerA(a);
    f.accounts.setLicense(a.id(), "alice", true);
    for (int i = 0; i < 3; i++) {
      f.content.put(a.id(), "mail", "alice", Optional.of("m" + i), ("m" + i).getBytes());
    }
    f.clock.advance(Duration.ofDays(1));

    Job job =
        f.jobs.rotate(
            a.id(),
            new RotateRequest(
                Optional.empty(), Optional.of("fake"), Optional.of("fk-b"), List.of()));
    CustomerKey fresh = f.keys.activeKey(a.id()).orElseThrow();
    assertThat(fresh.ref().keyId()).isEqualTo("fk-b");
    assertThat(standing("fk-b")).hasSize(1);
    // the old key still wraps the account's KEKs: search keeps its grants there
    f.scheduler.tick();
    assertThat(standing("fk-a")).hasSize(1);
    assertThat(standing("fk-a-replica")).hasSize(1);
    assertThat(f.keys.searchGrants(a.id()))
        .extracting(SearchGrant::customerKeyId)
        .containsOnly(old.id(), fresh.id());

    f.jobs.runUntilIdle(100);
    assertThat(f.jobs.get(a.id(), job.id()).job().status()).isEqualTo(Job.Status.SUCCEEDED);
    assertThat(standing("fk-a")).isEmpty();
    assertThat(standing("fk-a-replica")).isEmpty();
    assertThat(standing("fk-b")).hasSize(1);
    assertThat(f.keys.searchGrants(a.id()))
        .extracting(SearchGrant::customerKeyId, SearchGrant::keyId)
        .containsExactly(tuple(fresh.id(), "fk-b"));
    assertThat(grantEvents(a).subList(0, 2))
        .extracting(KeyEvent::kind, KeyEvent::reason, KeyEvent::source, KeyEvent::customerKeyId)
        .containsOnly(tuple(SearchGrantService.REVOKED, "key_replaced", "job", old.id()));
  }

  @Test
  void anUnreachableRevokeStaysPendingAndIsRetriedOnTheNextProbeRound() {
    Account a = account(true);
    registerA(a);
    kms.unreachable.add("RevokeGrant@fk-a-replica");

    // turning search off succeeds: the account changes, the grant it could not revoke is kept
    assertThat(f.accounts.setSearchEncryption(a.id(), false).searchEncryption()).isFalse();
    assertThat(standing("fk-a")).isEmpty();
    assertThat(standing("fk-a-replica")).hasSize(1);
    assertThat(f.keys.searchGrants(a.id()))
        .singleElement()
        .satisfies(
            g -> {
              assertThat(g.keyId()).isEqualTo("fk-a-replica");
              assertThat(g.status()).isEqualTo(SearchGrant.Status.PENDING_REVOKE);
              assertThat(g.lastError()).contains("NETWORK");
            });
    assertThat(grantEvents(a).get(0).kind()).isEqualTo(SearchGrantService.REVOKE_PENDING);

    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(f.keys.searchGrants(a.id())).hasSize(1);
    assertThat(grantEvents(a).get(0).kind())
        .as("a failed retry is not audited again")
        .isEqualTo(SearchGrantService.REVOKE_PENDING);

    kms.unreachable.clear();
    f.clock.advance(ServiceFixture.PROBE_INTERVAL);
    f.scheduler.tick();
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
    assertThat(standing("fk-a-replica")).isEmpty();
    assertThat(grantEvents(a).get(0))
        .extracting(KeyEvent::kind, KeyEvent::reason, KeyEvent::source)
        .containsExactly(SearchGrantService.REVOKED, "retried", "probe");
  }

  @Test
  void aGrantOrKeyThatIsAlreadyGoneCountsAsRevoked() {
    Account a = account(true);
    registerA(a);
    kms.grants.clear(); // someone revoked them in the console
    kms.keys.remove("fk-a-replica"); // and deleted the replica
    f.accounts.setSearchEncryption(a.id(), false);
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
  }

  @Test
  void aRefusedGrantLeavesTheAccountUnchanged() {
    Account a = account(false);
    registerA(a);
    kms.denied.add("CreateGrant@fk-a-replica");
    assertThatThrownBy(() -> f.accounts.setSearchEncryption(a.id(), true))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_VALIDATION_FAILED));
    assertThat(f.accounts.require(a.id()).searchEncryption()).isFalse();
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
    assertThat(standing("fk-a")).isEmpty();
    assertThat(standing("fk-a-replica")).isEmpty();
  }

  @Test
  void aStandingGrantRefusedAfterValidationRollsBackWhatItMade() {
    Account a = account(false);
    CustomerKey key = registerA(a);
    Account on = a.withSearchEncryption(true);
    kms.denied.add("CreateGrant@fk-a-replica");

    assertThatThrownBy(() -> f.searchGrants.grant(on, key, "search_on", "admin"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.SEARCH_GRANT_REFUSED);
              assertThat(e.code().kind()).isEqualTo(ErrorCode.Kind.REFUSED);
              assertThat(e.getMessage())
                  .contains("replica fk-a-replica in eu-central-1")
                  .contains("ACCESS_DENIED")
                  .contains("kms:CreateGrant")
                  .contains("nothing was changed");
              assertThat(e.details()).containsEntry("reason", "access_denied");
            });
    assertThat(standing("fk-a")).as("the primary's grant was revoked again").isEmpty();
    assertThat(f.keys.searchGrants(a.id())).isEmpty();

    kms.denied.clear();
    kms.unreachable.add("CreateGrant@fk-a-replica");
    assertThatThrownBy(() -> f.searchGrants.grant(on, key, "search_on", "admin"))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_UNAVAILABLE);
              assertThat(e.getMessage()).contains("NETWORK").contains("nothing was changed");
            });
    assertThat(standing("fk-a")).isEmpty();
    assertThat(f.keys.searchGrants(a.id())).isEmpty();
  }
}
