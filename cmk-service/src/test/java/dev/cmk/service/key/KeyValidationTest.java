package dev.cmk.service.key;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.local.LocalKeyProvider;
import dev.cmk.provider.testkit.MutableClock;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.account.JdbcAccountStore;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.key.ValidationReport.Outcome;
import dev.cmk.service.store.Database;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every onboarding check's pass, fail and skip paths, against a fake cloud KMS. */
class KeyValidationTest {
  @TempDir Path dir;
  Database db;
  FakeKms kms;
  LocalKeyProvider local;
  KeyService keys;
  AccountService accounts;
  Account account;

  @BeforeEach
  void setUp() {
    SecureRandom random = new SecureRandom();
    MutableClock clock = new MutableClock(Instant.parse("2026-11-29T10:00:00Z"));
    local = new LocalKeyProvider(dir.resolve("k.p12"), "t".toCharArray(), random);
    for (String m : List.of("m1", "m2")) {
      local.createKey(m);
    }
    kms = new FakeKms(local);
    kms.keys.put("fk-primary", new FakeKms.Key("m1", "eu-west-1", true, "SYMMETRIC_DEFAULT", true));
    kms.keys.put(
        "fk-replica", new FakeKms.Key("m1", "eu-central-1", true, "SYMMETRIC_DEFAULT", true));
    kms.keys.put(
        "fk-other", new FakeKms.Key("m2", "eu-central-1", true, "SYMMETRIC_DEFAULT", true));
    kms.keys.put("fk-single", new FakeKms.Key("m2", "eu-west-1", false, "SYMMETRIC_DEFAULT", true));
    kms.keys.put("fk-us", new FakeKms.Key("m2", "us-east-1", false, "SYMMETRIC_DEFAULT", true));
    kms.keys.put("fk-rsa", new FakeKms.Key("m2", "eu-west-1", false, "RSA_2048", false));
    db = Database.open(Database.embedded(dir));
    var audit = new dev.cmk.service.audit.JdbcAuditLog(db, clock);
    keys =
        new KeyService(
            new JdbcCustomerKeyStore(db),
            new KeyProviders(List.<KeyProvider>of(kms, local)),
            "cmk-test",
            new KeyService.Principals(
                Map.of("fake", "arn:aws:iam::111122223333:role/cmk-platform"),
                Map.of("fake", "arn:aws:iam::111122223333:role/cmk-search")),
            audit,
            clock,
            random);
    accounts = new AccountService(new JdbcAccountStore(db), audit, clock, random, keys);
    account = accounts.create("Acme", "eu-west-1");
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  ValidationReport validate(String keyId, String... replicas) {
    return keys.validate(
        account, kms, new dev.cmk.provider.KeyRef("fake", keyId, List.of(replicas)));
  }

  static Check check(ValidationReport r, String name) {
    return r.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void aGoodMultiRegionKeyPassesEveryCheck() {
    kms.policies.put("fk-primary", "{\"Version\":\"2012-10-17\"}");
    kms.policies.put("fk-replica", "{\n  \"Version\": \"2012-10-17\"\n}");
    ValidationReport r = validate("fk-primary", "fk-replica");
    assertThat(r.passed()).isTrue();
    assertThat(r.checks())
        .extracting(Check::name)
        .containsExactly(
            "key_id_format",
            "key_exists",
            "key_enabled",
            "key_usage",
            "region",
            "generate_data_key",
            "decrypt",
            "encrypt",
            "account_binding",
            "key_policy",
            "replica_exists",
            "replica_round_trip",
            "replica_policy",
            "search_grant");
    // the fake's policies cannot condition on the context: what binds the key is said instead
    assertThat(check(r, "account_binding").outcome()).isEqualTo(Outcome.SKIPPED);
    assertThat(check(r, "replica_exists").evidence()).contains("eu-central-1");
    assertThat(check(r, "replica_policy").outcome()).isEqualTo(Outcome.PASS);
    assertThat(check(r, "search_grant").outcome()).isEqualTo(Outcome.SKIPPED);
    assertThat(check(r, "search_grant").evidence()).contains("search encryption is off");
  }

  @Test
  void aKeyOutsideTheDataResidencyFailsAndIsNotStored() {
    ValidationReport r = validate("fk-us");
    assertThat(r.passed()).isFalse();
    assertThat(check(r, "region").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(r, "region").fix()).contains("eu-west-1");
    assertThatThrownBy(() -> keys.register(account, "fake", "fk-us", List.of()))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_VALIDATION_FAILED));
    assertThat(keys.keys(account.id())).isEmpty();
  }

  @Test
  void eachMissingPermissionIsNamed() {
    for (var op :
        Map.of(
                "GenerateDataKey", "generate_data_key",
                "Decrypt", "decrypt",
                "Encrypt", "encrypt",
                "DescribeKey", "key_exists")
            .entrySet()) {
      kms.denied.clear();
      kms.denied.add(op.getKey());
      ValidationReport r = validate("fk-single");
      Check c = check(r, op.getValue());
      assertThat(c.outcome()).as(op.getKey()).isEqualTo(Outcome.FAIL);
      assertThat(c.evidence()).contains("AccessDeniedException");
      assertThat(c.fix()).contains("kms:" + op.getKey());
      assertThat(r.passed()).isFalse();
    }
  }

  @Test
  void disabledMissingAndWrongTypeKeysFail() {
    local.setEnabled("m2", false);
    assertThat(check(validate("fk-single"), "key_enabled").outcome()).isEqualTo(Outcome.FAIL);
    local.setEnabled("m2", true);
    ValidationReport missing = validate("fk-nothing");
    assertThat(check(missing, "key_exists").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(missing, "key_exists").evidence()).contains("NOT_FOUND");
    assertThat(check(missing, "key_enabled").outcome()).isEqualTo(Outcome.SKIPPED);
    ValidationReport rsa = validate("fk-rsa");
    assertThat(check(rsa, "key_usage").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(rsa, "key_usage").evidence()).contains("RSA_2048");
    ValidationReport malformed = validate("nope");
    assertThat(check(malformed, "key_id_format").fix()).contains("fk-<name>");
    assertThat(malformed.checks()).hasSize(1);
  }

  @Test
  void replicasMustShareTheKeyMaterialAndPoliciesAreCompared() {
    ValidationReport other = validate("fk-primary", "fk-other");
    assertThat(check(other, "replica_round_trip").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(other, "replica_round_trip").fix()).contains("ReplicateKey");
    assertThat(other.passed()).isFalse();

    ValidationReport notMrk = validate("fk-single", "fk-replica");
    assertThat(check(notMrk, "multi_region").outcome()).isEqualTo(Outcome.FAIL);

    kms.policies.put("fk-primary", "{\"Statement\":[1]}");
    kms.policies.put("fk-replica", "{\"Statement\":[]}");
    ValidationReport drift = validate("fk-primary", "fk-replica");
    Check p = check(drift, "replica_policy");
    assertThat(p.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(p.required()).isFalse();
    assertThat(p.fix()).contains("multiRegion=true");
    assertThat(drift.passed()).isTrue();

    ValidationReport localReplica =
        keys.validate(account, local, new dev.cmk.provider.KeyRef("local", "m1", List.of("m1")));
    assertThat(check(localReplica, "replica_policy").outcome()).isEqualTo(Outcome.SKIPPED);
    assertThat(check(localReplica, "region").outcome()).isEqualTo(Outcome.SKIPPED);
  }

  @Test
  void searchEncryptionNeedsTheSearchGrant() {
    account = accounts.setSearchEncryption(account.id(), true);
    ValidationReport ok = validate("fk-single");
    assertThat(check(ok, "search_grant").outcome()).isEqualTo(Outcome.PASS);
    assertThat(check(ok, "search_grant").evidence()).contains("cmk-search");
    assertThat(kms.grantsCreated).containsEntry("fk-single", 1);
    assertThat(kms.grantsOn("fk-single")).isEmpty();

    kms.denied.add("CreateGrant");
    ValidationReport denied = validate("fk-single");
    assertThat(check(denied, "search_grant").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(denied, "search_grant").fix())
        .contains("kms:CreateGrant")
        .contains("search=true");

    ValidationReport noGrants =
        keys.validate(account, local, dev.cmk.provider.KeyRef.of("local", "m1"));
    assertThat(check(noGrants, "search_grant").outcome()).isEqualTo(Outcome.SKIPPED);
  }

  @Test
  void registeringAMultiRegionKeyGrantsSearchOnThePrimaryAndOnEachReplica() {
    account = accounts.setSearchEncryption(account.id(), true);
    var reg = keys.register(account, "fake", "fk-primary", List.of("fk-replica"));
    ValidationReport r = reg.report();
    assertThat(r.passed()).isTrue();
    Check primary = check(r, "search_grant");
    assertThat(primary.outcome()).isEqualTo(Outcome.PASS);
    assertThat(primary.evidence()).contains("fk-primary in eu-west-1").contains("cmk-search");
    Check replica = check(r, "replica_search_grant");
    assertThat(replica.outcome()).isEqualTo(Outcome.PASS);
    assertThat(replica.required()).isTrue();
    assertThat(replica.evidence())
        .contains("replica fk-replica in eu-central-1")
        .contains("ListGrants");
    // each key got its own grant (a replica does not see the primary's), and none was left behind
    assertThat(kms.grantsCreated).containsEntry("fk-primary", 1).containsEntry("fk-replica", 1);
    assertThat(kms.grantsOn("fk-primary")).isEmpty();
    assertThat(kms.grantsOn("fk-replica")).isEmpty();
    assertThat(keys.activeKey(account.id())).isPresent();
  }

  @Test
  void aReplicaThatRefusesTheSearchGrantFailsValidationNamingItsRegion() {
    account = accounts.setSearchEncryption(account.id(), true);
    kms.denied.add("CreateGrant@fk-replica");
    ValidationReport r = validate("fk-primary", "fk-replica");
    assertThat(check(r, "search_grant").outcome()).isEqualTo(Outcome.PASS);
    Check replica = check(r, "replica_search_grant");
    assertThat(replica.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(replica.evidence())
        .contains("fk-replica in eu-central-1")
        .contains("AccessDeniedException")
        .contains("kms:CreateGrant");
    assertThat(replica.fix()).contains("replica's own key policy").contains("multiRegion=true");
    assertThat(r.passed()).isFalse();
    assertThat(kms.grantsOn("fk-primary")).isEmpty();

    assertThatThrownBy(() -> keys.register(account, "fake", "fk-primary", List.of("fk-replica")))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_VALIDATION_FAILED));
    assertThat(keys.keys(account.id())).isEmpty();
  }

  @Test
  void theValidationGrantIsRevokedOnTheReplicaAndAFailedRevokeIsReported() {
    account = accounts.setSearchEncryption(account.id(), true);
    kms.denied.add("ListGrants@fk-replica");
    ValidationReport listDenied = validate("fk-primary", "fk-replica");
    assertThat(check(listDenied, "replica_search_grant").outcome()).isEqualTo(Outcome.FAIL);
    assertThat(check(listDenied, "replica_search_grant").evidence())
        .contains("eu-central-1")
        .contains("kms:ListGrants");
    // created on the replica, and revoked there although the listing failed
    assertThat(kms.grantsCreated).containsEntry("fk-replica", 1);
    assertThat(kms.grantsOn("fk-replica")).isEmpty();

    kms.denied.clear();
    kms.denied.add("RevokeGrant@fk-replica");
    ValidationReport revokeDenied = validate("fk-primary", "fk-replica");
    Check c = check(revokeDenied, "replica_search_grant");
    assertThat(c.outcome()).isEqualTo(Outcome.FAIL);
    String left = kms.grantsOn("fk-replica").get(0).grantId();
    assertThat(c.evidence()).contains("eu-central-1").contains(left).contains("not revoked");
    assertThat(c.fix()).contains("kms:RevokeGrant").contains("revoke grant " + left);
    assertThat(kms.grantsOn("fk-primary")).isEmpty();
  }

  @Test
  void accountChangesAreCheckedAgainstTheActiveKey() {
    keys.register(account, "fake", "fk-single", List.of());
    assertThatThrownBy(
            () ->
                accounts.update(
                    account.id(),
                    new AccountService.Options(
                        java.util.Optional.of("us-east-1"),
                        java.util.Optional.empty(),
                        java.util.Optional.empty(),
                        java.util.Optional.empty())))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_VALIDATION_FAILED));
    assertThat(accounts.require(account.id()).region()).isEqualTo("eu-west-1");

    kms.denied.add("CreateGrant");
    assertThatThrownBy(() -> accounts.setSearchEncryption(account.id(), true))
        .isInstanceOf(CmkException.class);
    assertThat(accounts.require(account.id()).searchEncryption()).isFalse();
    kms.denied.clear();
    assertThat(accounts.setSearchEncryption(account.id(), true).searchEncryption()).isTrue();
  }

  @Test
  void revalidationReportsWithoutChangingTheKey() {
    CustomerKey k = keys.register(account, "fake", "fk-single", List.of()).key();
    kms.denied.add("Decrypt");
    var again = keys.revalidate(account, k.id());
    assertThat(again.report().passed()).isFalse();
    assertThat(keys.activeKey(account.id())).map(CustomerKey::id).contains(k.id());
    Account other = accounts.create("Other", "eu-west-1");
    assertThatThrownBy(() -> keys.revalidate(other, k.id()))
        .isInstanceOfSatisfying(
            CmkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.KEY_NOT_FOUND));
  }

  @Test
  void reRegisteringTheActiveKeyIsIdempotentAndANewKeyNeedsARotation() {
    CustomerKey first = keys.register(account, "fake", "fk-single", List.of()).key();
    assertThat(keys.register(account, "fake", "fk-single", List.of()).key().id())
        .isEqualTo(first.id());
    assertThat(keys.keys(account.id())).hasSize(1);
    local.createKey("m3");
    kms.keys.put("fk-new", new FakeKms.Key("m3", "eu-west-1", false, "SYMMETRIC_DEFAULT", true));
    // a second key is refused: it would silently retire the active one
    assertThatThrownBy(() -> keys.register(account, "fake", "fk-new", List.of()))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.ROTATION_REQUIRED);
              assertThat(e.getMessage())
                  .contains("POST /v1/accounts/" + account.id() + "/rotate")
                  .contains(first.id());
            });
    assertThat(keys.keys(account.id())).hasSize(1);
    // the rotation path (register with the job alongside) replaces it
    CustomerKey second =
        keys.register(
                dev.cmk.service.audit.Caller.system("test"),
                account,
                "fake",
                "fk-new",
                List.of(),
                k -> {})
            .key();
    assertThat(keys.activeKey(account.id())).map(CustomerKey::id).contains(second.id());
    assertThat(keys.keys(account.id()))
        .extracting(CustomerKey::status)
        .containsExactlyInAnyOrder(CustomerKey.Status.RETIRED, CustomerKey.Status.ACTIVE);
  }

  @Test
  void aKeyRegisteredForAnotherAccountIsRefusedWithoutNamingIt() {
    keys.register(account, "fake", "fk-single", List.of());
    Account other = accounts.create("Other", "eu-west-1");
    assertThatThrownBy(() -> keys.register(other, "fake", "fk-single", List.of()))
        .isInstanceOfSatisfying(
            CmkException.class,
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.KEY_REGISTERED_ELSEWHERE);
              assertThat(e.getMessage()).doesNotContain(account.id()).doesNotContain("Acme");
              assertThat(e.details()).isEmpty();
            });
    assertThat(keys.keys(other.id())).isEmpty();
  }

  @Test
  void theKeyPolicyIsReadAndComparedWhereThatIsPossible() {
    kms.policies.put("fk-single", "{\"Statement\":[]}");
    Check missing = check(validate("fk-single"), "key_policy");
    assertThat(missing.outcome()).isEqualTo(Outcome.FAIL);
    assertThat(missing.required()).isFalse();
    assertThat(missing.evidence()).contains("cmk-platform").contains(account.id());
    kms.policies.put(
        "fk-single",
        "{\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:role/cmk-platform\"},"
            + "\"Condition\":{\"StringEquals\":{\"kms:EncryptionContext:account\":\""
            + account.id()
            + "\"}}}");
    assertThat(check(validate("fk-single"), "key_policy").outcome()).isEqualTo(Outcome.PASS);
    account = accounts.setSearchEncryption(account.id(), true);
    assertThat(check(validate("fk-single"), "key_policy").evidence()).contains("cmk-search");
    kms.denied.add("GetKeyPolicy");
    assertThat(check(validate("fk-single"), "key_policy").fix()).contains("kms:GetKeyPolicy");
    ValidationReport local =
        keys.validate(account, this.local, dev.cmk.provider.KeyRef.of("local", "m1"));
    assertThat(check(local, "key_policy").outcome()).isEqualTo(Outcome.SKIPPED);
  }
}
