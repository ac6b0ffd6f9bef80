package dev.cmk.service.key;

import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.KeyDescription;
import dev.cmk.provider.KeyDescription.KeyState;
import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountChangeGuard;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.key.ValidationReport.Outcome;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Registers an account's root key, validates it with real provider calls, and activates it when
 * every required check passes.
 */
public final class KeyService implements AccountChangeGuard {
  private final CustomerKeyStore store;
  private final KeyProviders providers;
  private final String platformName;
  private final Clock clock;
  private final SecureRandom random;

  public KeyService(
      CustomerKeyStore store,
      KeyProviders providers,
      String platformName,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.providers = providers;
    this.platformName = platformName;
    this.clock = clock;
    this.random = random;
  }

  /** What registration returns: the stored key and its validation report. */
  public record Registration(CustomerKey key, ValidationReport report) {}

  /**
   * Registers {@code keyId} at {@code provider} for the account and validates it. A key that passes
   * replaces the account's active key; one that fails stays PENDING and changes nothing.
   */
  public Registration register(
      Account account, String provider, String keyId, List<String> replicas) {
    KeyProvider p = providers.require(provider);
    if (keyId == null || keyId.isBlank()) {
      throw new CmkException(ErrorCode.INVALID_KEY_ID, "keyId is required");
    }
    try {
      p.checkKeyId(keyId);
      replicas.forEach(p::checkKeyId);
    } catch (KeyIdFormatException e) {
      throw new CmkException(ErrorCode.INVALID_KEY_ID, e.getMessage());
    }
    KeyRef ref = new KeyRef(provider, keyId, replicas);
    ValidationReport report = validate(account, p, ref);
    if (!report.passed()) {
      throw new CmkException(
          ErrorCode.KEY_VALIDATION_FAILED,
          "key "
              + keyId
              + " failed validation; nothing was changed. Fix the failed checks and"
              + " register it again",
          Map.of("report", report));
    }
    Instant now = clock.instant();
    CustomerKey key =
        new CustomerKey(
            Ids.newId("key", random), account.id(), ref, CustomerKey.Status.ACTIVE, now, now);
    store
        .findActive(account.id())
        .ifPresent(old -> store.update(old.withStatus(CustomerKey.Status.RETIRED, now)));
    store.insert(key);
    return new Registration(key, report);
  }

  /** Re-validates the active key against a proposed account change; refuses it if the key fails. */
  @Override
  public void check(Account proposed) {
    Optional<CustomerKey> active = store.findActive(proposed.id());
    if (active.isEmpty()) {
      return;
    }
    KeyRef ref = active.get().ref();
    ValidationReport report = validate(proposed, providers.require(ref.provider()), ref);
    if (!report.passed()) {
      throw new CmkException(
          ErrorCode.KEY_VALIDATION_FAILED,
          "the account's active key "
              + ref.keyId()
              + " would fail validation after this change; nothing was changed",
          Map.of("report", report));
    }
  }

  public Optional<CustomerKey> activeKey(String accountId) {
    return store.findActive(accountId);
  }

  public List<CustomerKey> keys(String accountId) {
    return store.listForAccount(accountId);
  }

  /** Runs every check against the provider; never throws for a provider failure. */
  public ValidationReport validate(Account account, KeyProvider p, KeyRef ref) {
    List<Check> checks = new ArrayList<>();
    checks.add(new Check("key_id_format", Outcome.PASS, true, ref.keyId(), ""));
    Optional<KeyDescription> desc = describe(p, ref, checks);
    desc.ifPresent(d -> checkRegion(account, d, checks));
    checks.add(roundTrip(account, p, ref));
    return new ValidationReport(checks);
  }

  private Optional<KeyDescription> describe(KeyProvider p, KeyRef ref, List<Check> checks) {
    try {
      KeyDescription d = p.describe(ref);
      boolean enabled = d.state() == KeyState.ENABLED;
      checks.add(
          new Check(
              "key_enabled",
              enabled ? Outcome.PASS : Outcome.FAIL,
              true,
              "state " + d.state(),
              enabled ? "" : "enable the key in your key management console"));
      checks.add(
          new Check(
              "key_usage",
              d.symmetricEncryption() ? Outcome.PASS : Outcome.FAIL,
              true,
              "key spec " + d.keySpec(),
              d.symmetricEncryption()
                  ? ""
                  : "use a symmetric encrypt/decrypt key (RSA wrap/unwrap on Azure)"));
      return Optional.of(d);
    } catch (ProviderException e) {
      checks.add(
          new Check(
              "key_enabled",
              Outcome.FAIL,
              true,
              e.providerCode() + ": " + e.getMessage(),
              fixFor(e)));
      return Optional.empty();
    }
  }

  private static void checkRegion(Account account, KeyDescription d, List<Check> checks) {
    if (d.region().isEmpty()) {
      checks.add(new Check("region", Outcome.SKIPPED, true, "provider has no region", ""));
      return;
    }
    boolean ok = d.region().get().equals(account.region());
    checks.add(
        new Check(
            "region",
            ok ? Outcome.PASS : Outcome.FAIL,
            true,
            "key region " + d.region().get() + ", account data residency " + account.region(),
            ok ? "" : "create the key in " + account.region() + " (the account's data residency)"));
  }

  private Check roundTrip(Account account, KeyProvider p, KeyRef ref) {
    EncryptionContext ctx =
        EncryptionContext.of(
            Map.of(
                EncryptionContext.PLATFORM,
                platformName,
                EncryptionContext.ACCOUNT,
                account.id(),
                EncryptionContext.SERVICE,
                "0000",
                EncryptionContext.PURPOSE,
                "validation"));
    try {
      p.probe(ref, ctx);
      return new Check(
          "round_trip", Outcome.PASS, true, "GenerateDataKey and Decrypt succeeded", "");
    } catch (ProviderException e) {
      return new Check(
          "round_trip", Outcome.FAIL, true, e.providerCode() + ": " + e.getMessage(), fixFor(e));
    }
  }

  private static String fixFor(ProviderException e) {
    return switch (e.reason()) {
      case DISABLED -> "enable the key";
      case PENDING_DELETION -> "cancel the key's scheduled deletion";
      case NOT_FOUND -> "check the key id and that it exists in that region";
      case ACCESS_DENIED ->
          "grant the platform principal Encrypt, Decrypt, GenerateDataKey* and DescribeKey"
              + " in the key policy (GET the policy template)";
      case INVALID_KEY_USAGE -> "use a symmetric encrypt/decrypt key";
      default -> "the provider could not be reached; try again";
    };
  }
}
