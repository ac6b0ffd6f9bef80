package dev.cmk.service.key;

import dev.cmk.provider.KeyIdFormatException;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountChangeGuard;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers an account's root key, validates it with real provider calls, and activates it when
 * every required check passes. With search encryption on, activation also gives the search service
 * its standing grant on the key (see {@link SearchGrantService}).
 */
public final class KeyService implements AccountChangeGuard {
  private static final Logger LOG = LoggerFactory.getLogger(KeyService.class);

  private final CustomerKeyStore store;
  private final KeyProviders providers;
  private final KeyValidator validator;
  private final Clock clock;
  private final SecureRandom random;
  private volatile Optional<SearchGrantService> searchGrants = Optional.empty();
  private final KeyDeletion deletion;
  private final RegistrationGuards guards;
  private final DevKeyAdmin devKeyAdmin;
  private volatile KeyEventSink events = KeyEventSink.NONE;
  private final AuditLog audit;

  /**
   * The platform's and the search service's principal per provider kind (e.g. {@code aws} → an IAM
   * role ARN), for the key-policy and search-grant checks.
   */
  public record Principals(Map<String, String> platform, Map<String, String> search) {
    public Principals {
      platform = Map.copyOf(platform);
      search = Map.copyOf(search);
    }

    public static Principals none() {
      return new Principals(Map.of(), Map.of());
    }
  }

  public KeyService(
      CustomerKeyStore store,
      KeyProviders providers,
      String platformName,
      Principals principals,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.providers = providers;
    this.validator = new KeyValidator(platformName, principals, random);
    this.devKeyAdmin = new DevKeyAdmin(providers);
    this.deletion = new KeyDeletion(store, audit, clock);
    this.guards = new RegistrationGuards(store, audit);
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /**
   * Sets who keeps the search service's standing grants (set once by the composition root; without
   * it no standing grant is made).
   */
  public void setSearchGrants(SearchGrantService grants) {
    this.searchGrants = Optional.of(grants);
  }

  /**
   * Sets the key-policy templates (set once by the composition root): the key_policy check then
   * compares a readable key policy with the template statement by statement.
   */
  public void setPolicyTemplates(dev.cmk.service.policy.PolicyTemplates templates) {
    validator.setTemplates(templates);
  }

  /**
   * Sets where a failed validation is recorded as a key event ({@code validation_failed}, and so a
   * {@code key.validation_failed} webhook); set once by the composition root.
   */
  public void setKeyEvents(KeyEventSink sink) {
    this.events = sink;
  }

  /** Sets the local provider's development keys (only when the local provider is enabled). */
  public void setDevKeys(DevKeys keys) {
    devKeyAdmin.setDevKeys(keys);
  }

  /** A provider kind and whether this node has it enabled. */
  public record ProviderStatus(String id, boolean enabled) {}

  /**
   * Every provider kind CMK knows, then any other configured one, each with whether this node can
   * use it: a console offers only the enabled ones.
   */
  public List<ProviderStatus> providerStatus() {
    return devKeyAdmin.providerStatus();
  }

  /** Development only: creates local key {@code name}; refused unless local is enabled. */
  public void createDevKey(String name) {
    devKeyAdmin.createDevKey(name);
  }

  /** Development only: disables or enables local key {@code name}. */
  public void setDevKeyEnabled(String name, boolean enabled) {
    devKeyAdmin.setDevKeyEnabled(name, enabled);
  }

  /** Sets where what depends on a registration is counted (set once by the composition root). */
  public void setDependencies(KeyDependencyStore store) {
    deletion.setDependencies(store);
  }

  /** What still depends on one of the account's key registrations. */
  public KeyDependents dependents(Account account, String keyRegistrationId) {
    return deletion.dependents(require(account, keyRegistrationId));
  }

  /**
   * Deletes a registration (status DELETED). Refused with {@code key_in_use} while it is the active
   * key, still wraps KEKs (content, search index, sessions) or holds search grants, unless {@code
   * force}. Forcing deletes the registration only: KEKs under the key stay wrapped by it, so its
   * content stays readable exactly as long as the key answers at the provider. Audited with the
   * counts at the time.
   */
  public KeyDependents delete(
      Caller caller, Account account, String keyRegistrationId, boolean force) {
    return deletion.delete(caller, account, require(account, keyRegistrationId), force);
  }

  private CustomerKey require(Account account, String keyRegistrationId) {
    Ids.require("key id", keyRegistrationId);
    return store
        .find(keyRegistrationId)
        .filter(k -> k.accountId().equals(account.id()))
        .orElseThrow(
            () ->
                new CmkException(
                    ErrorCode.KEY_NOT_FOUND,
                    "account "
                        + account.id()
                        + " has no key registration '"
                        + keyRegistrationId
                        + "'; GET /v1/accounts/"
                        + account.id()
                        + "/keys lists them"));
  }

  /** What registration returns: the stored key and its validation report. */
  public record Registration(CustomerKey key, ValidationReport report) {}

  public Registration register(
      Account account, String provider, String keyId, List<String> replicas) {
    return register(Caller.system("keys"), account, provider, keyId, replicas);
  }

  /**
   * Registers {@code keyId} at {@code provider} for the account and validates it. A key that passes
   * replaces the account's active key; one that fails stays PENDING and changes nothing.
   */
  public Registration register(
      Caller caller, Account account, String provider, String keyId, List<String> replicas) {
    return register(caller, account, provider, keyId, replicas, false, k -> {});
  }

  /**
   * Registers for a rotation: like {@link #register(Caller, Account, String, String, List)}, but a
   * key that passes replaces the active one; {@code alongside} (the rotation job's creation) runs
   * with the key that is active once the registration succeeds, in the same database transaction as
   * the switch, so if it throws the active key does not change.
   */
  public Registration register(
      Caller caller,
      Account account,
      String provider,
      String keyId,
      List<String> replicas,
      Consumer<CustomerKey> alongside) {
    return register(caller, account, provider, keyId, replicas, true, alongside);
  }

  private Registration register(
      Caller caller,
      Account account,
      String provider,
      String keyId,
      List<String> replicas,
      boolean replaceActive,
      Consumer<CustomerKey> alongside) {
    KeyProvider p = providers.require(provider);
    if (keyId == null || keyId.isBlank()) {
      throw new CmkException(ErrorCode.INVALID_KEY_ID, "keyId is required");
    }
    KeyRef ref = new KeyRef(provider, keyId, replicas);
    try {
      // the whole registration: each id, and for AWS the multi-region replica rules
      p.capability(KeyIdSyntax.class).ifPresent(s -> s.checkKeyRef(ref));
    } catch (KeyIdFormatException e) {
      throw new CmkException(ErrorCode.INVALID_KEY_ID, e.getMessage());
    }
    guards.refuseKeyOfAnotherAccount(caller, account, ref);
    if (!replaceActive) {
      guards.refuseSilentReplacement(caller, account, ref);
    }
    ValidationReport report = validate(account, p, ref);
    AuditEvent event =
        AuditEvent.of(account.id(), caller, Actions.KEY_REGISTER)
            .withKey(ref)
            .withDetail("replicas", Integer.toString(replicas.size()))
            .withDetail("failedChecks", failedChecks(report));
    if (!report.passed()) {
      audit.record(event.withResult(ErrorCode.KEY_VALIDATION_FAILED.code()));
      validationFailed(account.id(), "", "registration", ref, report);
      throw new CmkException(
          ErrorCode.KEY_VALIDATION_FAILED,
          "key "
              + keyId
              + " failed validation; nothing was changed. Fix the failed checks and"
              + " register it again",
          Map.of("report", report));
    }
    return activateRegistration(account, ref, report, event, alongside);
  }

  /**
   * Stores a registration that passed validation as the active key (retiring the one before), or
   * only re-grants search on it when it already is the active key (a retried registration).
   */
  private Registration activateRegistration(
      Account account,
      KeyRef ref,
      ValidationReport report,
      AuditEvent event,
      Consumer<CustomerKey> alongside) {
    Optional<CustomerKey> active = store.findActive(account.id());
    if (active.isPresent() && active.get().ref().equals(ref)) {
      // a retried PUT of the active key: validated again, nothing new stored (but a search grant
      // missing on it is made, e.g. one whose first attempt failed)
      grantSearch(account, active.get());
      return audit.inTransaction(
          () -> {
            audit.record(
                event.withTarget("", active.get().id()).withDetail("status", "already_active"));
            alongside.accept(active.get());
            return new Registration(active.get(), report);
          });
    }
    Instant now = clock.instant();
    CustomerKey key =
        new CustomerKey(
            Ids.newId("key", random), account.id(), ref, CustomerKey.Status.ACTIVE, now, now);
    AuditEvent activated =
        event
            .withTarget("", key.id())
            .withDetail("status", "activated")
            .withDetail("replaces", active.map(CustomerKey::id).orElse(""));
    grantSearch(account, key);
    Registration done =
        audit.inTransaction(
            () -> {
              active.ifPresent(
                  old -> store.update(old.withStatus(CustomerKey.Status.RETIRED, now)));
              store.insert(key);
              audit.record(activated);
              alongside.accept(key);
              return new Registration(key, report);
            });
    settleSearchGrants(account.id(), "admin");
    return done;
  }

  /**
   * Records a failed validation as a key event (best effort: the validation's answer and audit row
   * stand even if the event cannot be written). The detail names the key and the failed checks,
   * never key material.
   */
  private void validationFailed(
      String accountId, String registrationId, String when, KeyRef ref, ValidationReport report) {
    try {
      events.record(
          accountId,
          registrationId,
          "validation_failed",
          when,
          "admin",
          "key "
              + ref.keyId()
              + " at "
              + ref.provider()
              + " failed validation ("
              + when
              + "): "
              + failedChecks(report));
    } catch (RuntimeException e) {
      LOG.warn("account {}: could not record the failed validation as a key event", accountId, e);
    }
  }

  /** The names of the failed checks, comma-separated (stable names, no provider text). */
  private static String failedChecks(ValidationReport report) {
    return report.checks().stream()
        .filter(c -> c.outcome() == ValidationReport.Outcome.FAIL)
        .map(ValidationReport.Check::name)
        .collect(java.util.stream.Collectors.joining(","));
  }

  /**
   * Makes an already validated registration of the account its active key (rotation to a registered
   * key), retiring the current one. With search encryption on, the search grant on the new key is
   * made first; if the provider refuses it, nothing changes.
   */
  public CustomerKey activate(Account account, CustomerKey key) {
    return activate(account, key, k -> {});
  }

  /**
   * Like {@link #activate(Account, CustomerKey)}; {@code alongside} runs in the same database
   * transaction as the switch, so if it throws the active key does not change.
   */
  public CustomerKey activate(Account account, CustomerKey key, Consumer<CustomerKey> alongside) {
    if (!key.accountId().equals(account.id())) {
      throw new IllegalArgumentException(
          "key " + key.id() + " is not account " + account.id() + "'s");
    }
    grantSearch(account, key);
    Instant now = clock.instant();
    CustomerKey on = key.withStatus(CustomerKey.Status.ACTIVE, now);
    audit.inTransaction(
        () -> {
          store
              .findActive(account.id())
              .filter(old -> !old.id().equals(key.id()))
              .ifPresent(old -> store.update(old.withStatus(CustomerKey.Status.RETIRED, now)));
          store.update(on);
          alongside.accept(on);
          return on;
        });
    settleSearchGrants(account.id(), "admin");
    return on;
  }

  private void grantSearch(Account account, CustomerKey key) {
    searchGrants.ifPresent(g -> g.grant(account, key, "key_activated", "admin"));
  }

  /** Search turned on for an account whose key is active: its grants first, or no change. */
  @Override
  public void applying(Account before, Account after) {
    if (after.searchEncryption() && !before.searchEncryption()) {
      store
          .findActive(after.id())
          .ifPresent(k -> searchGrants.ifPresent(g -> g.grant(after, k, "search_on", "admin")));
    }
  }

  /** Search turned off: every grant of the account is revoked (or left pending revoke). */
  @Override
  public void applied(Account before, Account after) {
    if (before.searchEncryption() && !after.searchEncryption()) {
      searchGrants.ifPresent(g -> g.revokeAll(after.id(), "search_off", "admin"));
    }
  }

  /**
   * Retries pending revokes of the account's search grants and revokes those of a replaced key once
   * the switch is final (e.g. when a rotation job has ended). Never throws.
   */
  public void settleSearchGrants(String accountId, String source) {
    searchGrants.ifPresent(
        g -> {
          try {
            g.settle(accountId, source);
          } catch (RuntimeException e) {
            LOG.warn(
                "account {}: cannot settle search grants; the probe round retries", accountId, e);
          }
        });
  }

  /** The search service's grants on the account's keys (empty when none are kept). */
  public List<SearchGrant> searchGrants(String accountId) {
    return searchGrants.map(g -> g.list(accountId)).orElse(List.of());
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
      validationFailed(proposed.id(), active.get().id(), "account_change", ref, report);
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

  /**
   * {@link #activeKey} from this node's memory, at most the staleness bound old: for the request
   * path (content, sessions, search), never for a change of the account's keys.
   */
  public Optional<CustomerKey> activeKeyForUse(String accountId) {
    return store.findActiveCached(accountId);
  }

  public List<CustomerKey> keys(String accountId) {
    return store.listForAccount(accountId);
  }

  /** Runs every check against the provider; never throws for a provider failure. */
  public ValidationReport validate(Account account, KeyProvider p, KeyRef ref) {
    return validator.validate(account, p, ref);
  }

  /**
   * Runs validation again for a registered key of the account, e.g. after the admin changed the
   * key's policy. The report is returned; the key's status is not changed (an active key that now
   * fails keeps protecting content until the admin acts; availability monitoring reports outages).
   */
  public Registration revalidate(Account account, String keyRegistrationId) {
    return revalidate(Caller.system("keys"), account, keyRegistrationId);
  }

  /** {@link #revalidate(Account, String)} for {@code caller}; the outcome is audited. */
  public Registration revalidate(Caller caller, Account account, String keyRegistrationId) {
    CustomerKey key = require(account, keyRegistrationId);
    KeyRef ref = key.ref();
    ValidationReport report = validate(account, providers.require(ref.provider()), ref);
    audit.record(
        AuditEvent.of(account.id(), caller, Actions.KEY_VALIDATE)
            .withKey(ref)
            .withTarget("", key.id())
            .withResult(report.passed() ? AuditEvent.OK : "failed")
            .withDetail("failedChecks", failedChecks(report)));
    if (!report.passed()) {
      validationFailed(account.id(), key.id(), "revalidation", ref, report);
    }
    return new Registration(key, report);
  }
}
