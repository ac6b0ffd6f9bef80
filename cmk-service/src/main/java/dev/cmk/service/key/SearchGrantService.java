package dev.cmk.service.key;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.GrantSupport;
import dev.cmk.provider.KeyIdSyntax;
import dev.cmk.provider.KeyProvider;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyUnavailableException;
import dev.cmk.provider.ProviderException;
import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.Account;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.policy.PolicyTemplates;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The search service's standing grants (DESIGN.md flow 8): while an account has search encryption
 * on, the search principal holds a grant on the account's active key, on the primary and on each
 * registered multi-region replica in its own region, and every grant id is stored.
 *
 * <p>Grants are made when a key becomes active with search on, and when search is turned on for an
 * account whose key is active; a refused or unreachable provider then vetoes the change and the
 * grants this attempt made are revoked again. They are revoked when search is turned off, and the
 * grants of a replaced key once the switch is final (the old key wraps none of the account's KEKs
 * any more: rotation has moved them all). A revoke the provider does not confirm leaves the row
 * {@link SearchGrant.Status#PENDING_REVOKE}, retried on every probe round by one node of the
 * cluster, the holder of the account's probe lease ({@link #settleRound}); a grant that no longer
 * exists counts as revoked. Every create and revoke is appended to the account's key events.
 *
 * <p>Grant names are deterministic ({@code cmk-search-<account>-<registration>}), so a retried
 * create finds the grant the first attempt made instead of making a second.
 *
 * <p><b>Security:</b> the grantee and the granted operations are the provider's operator
 * configuration; nothing here takes them from a request. Grant ids are identifiers, not grant
 * tokens; no token is ever requested, stored or logged.
 */
public final class SearchGrantService {
  private static final Logger LOG = LoggerFactory.getLogger(SearchGrantService.class);

  /** Key-event kinds. */
  public static final String CREATED = "search_grant_created";

  public static final String REVOKED = "search_grant_revoked";
  public static final String REVOKE_PENDING = "search_grant_revoke_pending";

  /**
   * A grant younger than this is left alone by {@link #settle}: the registration or account change
   * that made it may still be on its way to the database.
   */
  static final Duration GRACE = Duration.ofMinutes(5);

  private final SearchGrantStore store;
  private final CustomerKeyStore keys;
  private final AccountService accounts;
  private final KeyProviders providers;
  private final KeyService.Principals principals;
  private final KeyEventSink events;
  private final Clock clock;
  private final SecureRandom random;

  public SearchGrantService(
      SearchGrantStore store,
      CustomerKeyStore keys,
      AccountService accounts,
      KeyProviders providers,
      KeyService.Principals principals,
      KeyEventSink events,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.keys = keys;
    this.accounts = accounts;
    this.providers = providers;
    this.principals = principals;
    this.events = events;
    this.clock = clock;
    this.random = random;
  }

  /** The account's stored grants, standing and pending revoke. */
  public List<SearchGrant> list(String accountId) {
    accounts.require(accountId);
    return store.listForAccount(accountId);
  }

  /** The deterministic grant name of one key registration of one account. */
  static String grantName(String accountId, String customerKeyId) {
    return "cmk-search-" + accountId + "-" + customerKeyId;
  }

  /**
   * Makes the standing grants for {@code key} when the account has search encryption on and the
   * key's provider has grants: on the primary and on each replica. Keys whose grant is stored
   * already are skipped, so a retry makes nothing twice.
   *
   * @param reason why, for the key event ({@code key_activated}, {@code search_on})
   * @throws CmkException {@code search_grant_refused} (409) or {@code key_unavailable} (503); the
   *     grants this call made are revoked again (left pending revoke if that fails too)
   */
  void grant(Account account, CustomerKey key, String reason, String source) {
    if (!account.searchEncryption()) {
      return;
    }
    String kind = key.ref().provider();
    Optional<GrantSupport> grants = grantsFor(kind);
    if (grants.isEmpty()) {
      return;
    }
    KeyProvider p = providers.require(kind);
    Map<String, SearchGrant> stored = new HashMap<>();
    for (SearchGrant g : store.listForAccount(account.id())) {
      if (g.customerKeyId().equals(key.id())) {
        stored.put(g.keyId(), g);
      }
    }
    String name = grantName(account.id(), key.id());
    List<String> targets = new ArrayList<>();
    targets.add(key.ref().keyId());
    targets.addAll(key.ref().replicaKeyIds());
    List<SearchGrant> made = new ArrayList<>();
    for (String keyId : targets) {
      SearchGrant have = stored.get(keyId);
      if (have != null && have.status() == SearchGrant.Status.ACTIVE) {
        continue;
      }
      boolean replica = !keyId.equals(key.ref().keyId());
      String region = p.capability(KeyIdSyntax.class).flatMap(s -> s.regionOf(keyId)).orElse("");
      String grantId;
      try {
        // the one key, without replicas: a grant call never fails over
        grantId =
            grants
                .get()
                .createSearchGrant(
                    KeyRef.of(kind, keyId),
                    name,
                    PolicyTemplates.searchGrantConstraint(account.id()));
      } catch (ProviderException e) {
        for (SearchGrant g : made) {
          revoke(g, "rolled_back", source, "the change that needed it was not made");
        }
        throw failure(e, keyId, region, replica);
      }
      Instant now = clock.instant();
      SearchGrant row =
          have != null
              ? have.reactivated(grantId, now)
              : new SearchGrant(
                  Ids.newId("sgr", random),
                  account.id(),
                  key.id(),
                  kind,
                  keyId,
                  region,
                  replica,
                  name,
                  grantId,
                  SearchGrant.Status.ACTIVE,
                  "",
                  now,
                  now);
      if (have != null) {
        store.update(row);
      } else if (!store.insert(row)) {
        continue; // another node stored the same grant first
      }
      made.add(row);
      record(
          row,
          CREATED,
          reason,
          source,
          "search grant " + grantId + " (" + name + ") for " + grantee(kind) + " created");
    }
  }

  /**
   * Revokes every grant of the account (search encryption turned off); never throws for the
   * provider.
   */
  void revokeAll(String accountId, String reason, String source) {
    for (SearchGrant g : store.listForAccount(accountId)) {
      revoke(g, reason, source, "search encryption is off");
    }
  }

  /**
   * Retries the account's pending revokes and revokes grants that should no longer stand: all of
   * them when search encryption is off, and those of a replaced key once it wraps none of the
   * account's KEKs. Never throws for the provider.
   */
  public void settle(String accountId, String source) {
    Account account = accounts.require(accountId);
    Optional<String> active = keys.findActive(accountId).map(CustomerKey::id);
    Instant settled = clock.instant().minus(GRACE);
    Map<String, Boolean> inUse = new HashMap<>();
    for (SearchGrant g : store.listForAccount(accountId)) {
      if (g.status() == SearchGrant.Status.PENDING_REVOKE) {
        revoke(g, "retried", source, "retried");
      } else if (g.updatedAt().isAfter(settled)) {
        continue;
      } else if (!account.searchEncryption()) {
        revoke(g, "search_off", source, "search encryption is off");
      } else if (!active.equals(Optional.of(g.customerKeyId()))
          && !inUse.computeIfAbsent(g.customerKeyId(), id -> wrapsKeks(accountId, id))) {
        revoke(
            g, "key_replaced", source, "the key was replaced and wraps none of the account's KEKs");
      }
    }
  }

  /** {@link #settle} for every account with grants, from this node, whoever holds the leases. */
  public void settleAll() {
    settleRound(accountId -> true);
  }

  /**
   * One probe round on a node of a cluster: {@link #settle} for every account with grants whose
   * lease this node holds or can take, so a pending revoke is attempted once per round however many
   * nodes run, and a stopped node's accounts are settled by the next holder of their lease.
   *
   * @param lease takes or renews the account's lease for this node and says whether it holds it
   *     (the probe lease: {@code AvailabilityService.claimLease})
   * @return how many accounts this node settled
   */
  public int settleRound(Predicate<String> lease) {
    int settled = 0;
    for (String accountId : store.accountsWithGrants()) {
      try {
        if (lease.test(accountId)) {
          settle(accountId, "probe");
          settled++;
        }
      } catch (RuntimeException e) {
        LOG.warn("account {}: cannot settle search grants; next round tries again", accountId, e);
      }
    }
    return settled;
  }

  private boolean wrapsKeks(String accountId, String customerKeyId) {
    return keys.find(customerKeyId)
        .map(k -> store.wrapsKeks(accountId, k.ref().provider(), k.ref().keyId()))
        .orElse(false);
  }

  /**
   * Marks the row pending revoke first (so a crash never loses it), revokes, deletes the row.
   * Returns whether the grant is gone.
   */
  private boolean revoke(SearchGrant g, String reason, String source, String why) {
    Instant now = clock.instant();
    SearchGrant pending = g;
    if (g.status() == SearchGrant.Status.ACTIVE) {
      pending = g.pendingRevoke("", now);
      store.update(pending);
    }
    try {
      GrantSupport grants =
          providers
              .require(g.provider())
              .capability(GrantSupport.class)
              .orElseThrow(
                  () ->
                      new CmkException(
                          ErrorCode.UNKNOWN_PROVIDER,
                          "provider " + g.provider() + " no longer offers grants"));
      grants.revokeGrant(KeyRef.of(g.provider(), g.keyId()), g.grantId());
    } catch (ProviderException e) {
      if (e.reason() != FailureReason.NOT_FOUND) {
        return stayPending(g, pending, reason, source, evidence(e), now);
      }
      // the key itself is gone, and with it every grant on it
    } catch (CmkException e) {
      return stayPending(g, pending, reason, source, e.getMessage(), now);
    }
    store.delete(g.id());
    record(g, REVOKED, reason, source, "search grant " + g.grantId() + " revoked: " + why);
    return true;
  }

  private boolean stayPending(
      SearchGrant before,
      SearchGrant pending,
      String reason,
      String source,
      String error,
      Instant now) {
    store.update(pending.pendingRevoke(error, now));
    LOG.warn(
        "account {}: search grant {} on {} not revoked ({}); retried on the next probe round",
        before.accountId(),
        before.grantId(),
        before.keyId(),
        error);
    if (before.status() == SearchGrant.Status.ACTIVE) {
      record(
          before,
          REVOKE_PENDING,
          reason,
          source,
          "search grant " + before.grantId() + " not revoked yet (" + error + "); retried");
    }
    return false;
  }

  private Optional<GrantSupport> grantsFor(String kind) {
    if (!principals.search().containsKey(kind)) {
      return Optional.empty();
    }
    return providers.require(kind).capability(GrantSupport.class);
  }

  private String grantee(String kind) {
    return principals.search().getOrDefault(kind, "the search principal");
  }

  private void record(SearchGrant g, String kind, String reason, String source, String detail) {
    String where =
        (g.replica() ? " on replica " : " on key ")
            + g.keyId()
            + (g.region().isEmpty() ? "" : " in " + g.region());
    try {
      events.record(g.accountId(), g.customerKeyId(), kind, reason, source, detail + where);
    } catch (RuntimeException e) {
      LOG.warn("account {}: cannot record {} of grant {}", g.accountId(), kind, g.grantId(), e);
    }
  }

  private static CmkException failure(
      ProviderException e, String keyId, String region, boolean replica) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("keyId", keyId);
    details.put("reason", e.reason().name().toLowerCase(Locale.ROOT));
    details.put("providerCode", e.providerCode());
    String where =
        (replica ? "replica " : "key ") + keyId + (region.isEmpty() ? "" : " in " + region);
    if (e instanceof KeyUnavailableException) {
      return new CmkException(
          ErrorCode.KEY_UNAVAILABLE,
          "cannot create the search service's grant on "
              + where
              + ": the key is unavailable ("
              + e.reason()
              + "): "
              + e.getMessage()
              + "; nothing was changed, try again later",
          details,
          e);
    }
    return new CmkException(
        ErrorCode.SEARCH_GRANT_REFUSED,
        "the provider refused the search service's grant on "
            + where
            + " ("
            + e.reason()
            + ", "
            + e.providerCode()
            + "); nothing was changed. "
            + ValidationChecks.fix(e, "kms:CreateGrant")
            + (replica ? " in the replica's own key policy" : ""),
        details,
        e);
  }

  private static String evidence(ProviderException e) {
    return e.reason() + " (" + e.providerCode() + "): " + e.getMessage();
  }
}
