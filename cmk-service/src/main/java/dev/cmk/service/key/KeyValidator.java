package dev.cmk.service.key;

import static dev.cmk.service.key.ValidationChecks.NOT_FOUND_FIX;
import static dev.cmk.service.key.ValidationChecks.advisoryPass;
import static dev.cmk.service.key.ValidationChecks.evidence;
import static dev.cmk.service.key.ValidationChecks.fail;
import static dev.cmk.service.key.ValidationChecks.fix;
import static dev.cmk.service.key.ValidationChecks.pass;
import static dev.cmk.service.key.ValidationChecks.skip;

import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.provider.DataKey;
import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.PolicyReader;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.Texts;
import dev.cmk.service.account.Account;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.key.ValidationReport.Outcome;
import dev.cmk.service.policy.PolicyDiff;
import dev.cmk.service.policy.PolicyTemplates;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every onboarding check of DESIGN.md flow 1, each a real provider call: the id's form; the key
 * exists (DescribeKey), is enabled, can encrypt and decrypt, lives in the account's data residency;
 * the platform principal can GenerateDataKey, Decrypt and Encrypt (proved by round trips under a
 * validation context); each replica exists and shares the key material (wrap under one, unwrap
 * under the other, both ways), and its policy matches the primary's where the provider can read
 * policies; with search encryption on, the search principal can be granted its access on the
 * primary and, since grants are per key and region, on each replica too.
 *
 * <p>Providers that lack a capability (regions, policies, grants) get that check SKIPPED, with the
 * reason as evidence. Validation never throws for a provider failure: it is evidence.
 */
final class KeyValidator {
  private final String platformName;
  private final KeyService.Principals principals;
  private final SecureRandom random;
  private final ReplicaValidation replicas;
  private final SearchGrantValidation searchGrants;
  private final Optional<PolicyTemplates> templates;

  /** The context value of the binding check: never an account id, so it names no account. */
  static final String BINDING_PROBE_ACCOUNT = "cmk-binding-check-not-this-account";

  /**
   * @param templates the key-policy templates: with them the key_policy check compares a readable
   *     key policy with the template statement by statement
   */
  KeyValidator(
      String platformName,
      KeyService.Principals principals,
      Optional<PolicyTemplates> templates,
      SecureRandom random) {
    this.platformName = platformName;
    this.principals = principals;
    this.templates = templates;
    this.random = random;
    this.replicas = new ReplicaValidation(random);
    this.searchGrants = new SearchGrantValidation(principals);
  }

  ValidationReport validate(Account account, KeyProvider p, KeyRef ref) {
    List<Check> checks = new ArrayList<>();
    if (!idFormat(p, ref, checks)) {
      return new ValidationReport(checks);
    }
    Optional<KeyDescription> desc = describe(p, ref, checks);
    desc.ifPresentOrElse(
        d -> region(account, d, checks),
        () -> checks.add(skip("region", "the key could not be described")));
    EncryptionContext ctx = context(account, "validation");
    roundTrips(p, ref, ctx, checks);
    accountBinding(p, ref, checks);
    keyPolicy(account, p, ref, checks);
    replicas.check(p, ref, desc, ctx, checks);
    searchGrants.check(account, p, ref, checks);
    return new ValidationReport(p.kind().equals("local") ? forLocal(checks) : checks);
  }

  /** The development-only local provider has no regions or cloud accounts: its own fix text. */
  private static List<Check> forLocal(List<Check> checks) {
    return checks.stream()
        .map(
            c ->
                c.fix().equals(NOT_FOUND_FIX)
                    ? new Check(
                        c.name(),
                        c.outcome(),
                        c.required(),
                        c.evidence(),
                        "no key with this alias in the local provider's key file (local.keystore):"
                            + " check the alias or create it (cmk dev-key create ALIAS); the local"
                            + " provider is for development, register a KMS key for real use")
                    : c)
        .toList();
  }

  private boolean idFormat(KeyProvider p, KeyRef ref, List<Check> checks) {
    try {
      // each id, and the rules binding replicas to their primary (AWS multi-region keys)
      p.capability(KeyIdSyntax.class).ifPresent(s -> s.checkKeyRef(ref));
      checks.add(pass("key_id_format", ref.keyId() + " is a well-formed " + p.kind() + " key id"));
      return true;
    } catch (KeyIdFormatException e) {
      checks.add(fail("key_id_format", e.getMessage(), "use " + e.expected()));
      return false;
    }
  }

  private Optional<KeyDescription> describe(KeyProvider p, KeyRef ref, List<Check> checks) {
    try {
      KeyDescription d = p.describe(ref);
      checks.add(pass("key_exists", "DescribeKey returned " + d.keyId()));
      boolean enabled = d.state() == KeyState.ENABLED;
      checks.add(
          enabled
              ? pass("key_enabled", "state " + d.state())
              : fail(
                  "key_enabled",
                  "state " + d.state(),
                  d.state() == KeyState.PENDING_DELETION
                      ? "cancel the key's scheduled deletion, then enable it"
                      : "enable the key in your key management console"));
      checks.add(
          d.symmetricEncryption()
              ? pass("key_usage", "key spec " + d.keySpec() + " encrypts and decrypts")
              : fail(
                  "key_usage",
                  "key spec " + d.keySpec(),
                  "use a symmetric ENCRYPT_DECRYPT key (SYMMETRIC_DEFAULT on AWS, AES on OCI,"
                      + " RSA wrapKey/unwrapKey on Azure)"));
      return Optional.of(d);
    } catch (ProviderException e) {
      checks.add(fail("key_exists", evidence(e), fix(e, "kms:DescribeKey")));
      checks.add(skip("key_enabled", "the key could not be described"));
      checks.add(skip("key_usage", "the key could not be described"));
      return Optional.empty();
    }
  }

  private static void region(Account account, KeyDescription d, List<Check> checks) {
    if (d.region().isEmpty()) {
      checks.add(skip("region", "the provider has no regions"));
      return;
    }
    String seen = d.region().get();
    checks.add(
        seen.equals(account.region())
            ? pass("region", "key region " + seen + " = account data residency")
            : fail(
                "region",
                "key region " + seen + ", account data residency " + account.region(),
                "create the key in "
                    + account.region()
                    + " (the account's data residency) and register that one"));
  }

  /** GenerateDataKey, Decrypt and Encrypt, each named so a missing permission is obvious. */
  private void roundTrips(KeyProvider p, KeyRef ref, EncryptionContext ctx, List<Check> checks) {
    byte[] wrapped;
    byte[] expected;
    try (DataKey dk = p.generateDataKey(ref, ctx)) {
      wrapped = dk.wrapped();
      expected = dk.plaintext().copyBytes();
      checks.add(pass("generate_data_key", "GenerateDataKey returned a wrapped 256-bit key"));
    } catch (ProviderException e) {
      checks.add(fail("generate_data_key", evidence(e), fix(e, "kms:GenerateDataKey*")));
      checks.add(skip("decrypt", "no data key to decrypt"));
      encrypt(p, ref, ctx, checks);
      return;
    }
    try (SecretKeyMaterial back = p.unwrap(ref, wrapped, ctx)) {
      checks.add(
          MessageDigest.isEqual(expected, back.copyBytes())
              ? pass("decrypt", "Decrypt returned the generated key")
              : fail("decrypt", "Decrypt returned other bytes", "report this provider fault"));
    } catch (ProviderException e) {
      checks.add(fail("decrypt", evidence(e), fix(e, "kms:Decrypt")));
    }
    encrypt(p, ref, ctx, checks);
  }

  private void encrypt(KeyProvider p, KeyRef ref, EncryptionContext ctx, List<Check> checks) {
    try (SecretKeyMaterial k = SecretKeyMaterial.random(random)) {
      byte[] w = p.wrap(ref, k, ctx);
      checks.add(pass("encrypt", "Encrypt wrapped a 256-bit key (" + w.length + " bytes)"));
    } catch (ProviderException e) {
      checks.add(fail("encrypt", evidence(e), fix(e, "kms:Encrypt")));
    }
  }

  /**
   * Advisory: the key must refuse the platform principal when it acts for another account (the
   * template's {@code kms:EncryptionContext:account} condition), because the platform principal is
   * the same for every account. Proved by a GenerateDataKey with a context naming no account of
   * CMK's: PASS when the provider refuses it, FAIL (a warning: the key works, but only the
   * customer's policy can stop a confused deputy) when it answers. Providers whose policies cannot
   * condition on the context are SKIPPED with what binds the key instead.
   */
  private void accountBinding(KeyProvider p, KeyRef ref, List<Check> checks) {
    if (!PolicyTemplates.contextBound(p.kind())) {
      checks.add(
          skip(
              "account_binding",
              "provider "
                  + p.kind()
                  + " cannot condition key use on the account; CMK refuses to register a key that"
                  + " is active for another account, and the key must serve this account only"));
      return;
    }
    EncryptionContext other =
        EncryptionContext.of(
            Map.of(
                EncryptionContext.PLATFORM,
                platformName,
                EncryptionContext.ACCOUNT,
                BINDING_PROBE_ACCOUNT,
                EncryptionContext.SERVICE,
                "0000",
                EncryptionContext.PURPOSE,
                "binding-check"));
    String fix =
        "add the condition kms:EncryptionContext:account = <this account's id> to every statement"
            + " that lets the platform principal use the key (GET"
            + " /v1/accounts/{accountId}/key-policy prints it), then validate again";
    try (DataKey unused = p.generateDataKey(ref, other)) {
      checks.add(
          new Check(
              "account_binding",
              Outcome.FAIL,
              false,
              "the key let the platform principal GenerateDataKey with another account's"
                  + " encryption context: it is not bound to this account",
              fix));
    } catch (ProviderException e) {
      boolean refused =
          e instanceof dev.cmk.provider.KeyRefusedException
              && e.reason() == dev.cmk.provider.FailureReason.ACCESS_DENIED;
      checks.add(
          refused
              ? advisoryPass(
                  "account_binding",
                  "the key refused GenerateDataKey with another account's encryption context ("
                      + e.providerCode()
                      + "): it serves this account only")
              : new Check(
                  "account_binding",
                  Outcome.FAIL,
                  false,
                  "could not prove the binding: " + evidence(e),
                  e instanceof dev.cmk.provider.KeyUnavailableException
                      ? "validate again later"
                      : fix));
    }
  }

  /**
   * Advisory: where the policy can be read, it should name the platform principal with the account
   * condition (and the search principal when search is on). Access may also come from IAM policies
   * or grants, and the round trips above are the proof, so this never blocks activation.
   */
  private void keyPolicy(Account account, KeyProvider p, KeyRef ref, List<Check> checks) {
    Optional<PolicyReader> reader = p.capability(PolicyReader.class);
    String platform = principals.platform().get(p.kind());
    if (reader.isEmpty() || platform == null) {
      checks.add(skip("key_policy", "provider " + p.kind() + " cannot read key policies"));
      return;
    }
    Optional<Map<String, Object>> expected =
        templates.flatMap(
            t ->
                t.expectedKeyPolicy(
                    account, p.kind(), ref.keyId(), !ref.replicaKeyIds().isEmpty()));
    if (expected.isPresent()) {
      compareWithTemplate(reader.get(), ref, expected.get(), checks);
      return;
    }
    try {
      String policy = reader.get().keyPolicy(ref);
      List<String> missing = new ArrayList<>();
      if (!policy.contains(platform)) {
        missing.add("a statement for the platform principal " + platform);
      }
      if (!policy.contains("kms:EncryptionContext:account") || !policy.contains(account.id())) {
        missing.add("the condition kms:EncryptionContext:account = " + account.id());
      }
      String search = principals.search().get(p.kind());
      if (account.searchEncryption() && search != null && !policy.contains(search)) {
        missing.add("the search statements for " + search);
      }
      checks.add(
          missing.isEmpty()
              ? advisoryPass(
                  "key_policy", "the key policy names the platform principal and the account")
              : new Check(
                  "key_policy",
                  Outcome.FAIL,
                  false,
                  "the key policy lacks " + String.join("; ", missing),
                  "set the policy from GET /v1/accounts/{accountId}/key-policy (access through"
                      + " IAM policies or grants also works: the round trips decide)"));
    } catch (ProviderException e) {
      checks.add(
          new Check("key_policy", Outcome.FAIL, false, evidence(e), fix(e, "kms:GetKeyPolicy")));
    }
  }

  /** Names the template statements the key policy lacks or changes, and its extra ones. */
  private static void compareWithTemplate(
      PolicyReader reader, KeyRef ref, Map<String, Object> expected, List<Check> checks) {
    String fix =
        "set the key policy from GET /v1/accounts/{accountId}/key-policy (access through IAM"
            + " policies or grants also works: the round trips decide)";
    try {
      PolicyDiff diff = PolicyDiff.of(reader.keyPolicy(ref), expected);
      if (diff.matches()) {
        checks.add(
            advisoryPass("key_policy", "the key policy is the template, statement for statement"));
        return;
      }
      List<String> parts = new ArrayList<>();
      if (!diff.missing().isEmpty()) {
        parts.add("missing statements " + diff.missing());
      }
      if (!diff.differing().isEmpty()) {
        parts.add("statements that differ from the template " + diff.differing());
      }
      if (!diff.extra().isEmpty()) {
        parts.add("extra statements " + diff.extra());
      }
      checks.add(
          new Check(
              "key_policy",
              Outcome.FAIL,
              false,
              "the key policy of " + ref.keyId() + " has " + String.join("; ", parts),
              diff.extra().isEmpty()
                  ? fix
                  : fix
                      + "; remove the extra statements unless you added"
                      + " them on purpose (e.g. search statements after turning search off)"));
    } catch (IllegalArgumentException e) {
      checks.add(new Check("key_policy", Outcome.FAIL, false, Texts.messageOf(e), fix));
    } catch (ProviderException e) {
      checks.add(
          new Check("key_policy", Outcome.FAIL, false, evidence(e), fix(e, "kms:GetKeyPolicy")));
    }
  }

  private EncryptionContext context(Account account, String purpose) {
    return EncryptionContext.of(
        Map.of(
            EncryptionContext.PLATFORM,
            platformName,
            EncryptionContext.ACCOUNT,
            account.id(),
            EncryptionContext.SERVICE,
            "0000",
            EncryptionContext.PURPOSE,
            purpose));
  }
}
