package dev.cmk.service.auth;

import dev.cmk.service.CmkException;
import dev.cmk.service.ErrorCode;
import dev.cmk.service.Ids;
import dev.cmk.service.account.AccountService;
import dev.cmk.service.audit.Actions;
import dev.cmk.service.audit.AuditEvent;
import dev.cmk.service.audit.AuditLog;
import dev.cmk.service.audit.Caller;
import dev.cmk.service.catalog.AssetType;
import dev.cmk.service.catalog.Catalog;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Creates, checks and revokes bearer tokens.
 *
 * <p><b>Security:</b> a token is {@code cmk_} followed by 256 random bits; only its SHA-256 is
 * stored, so a leaked database does not leak usable tokens. The lookup goes by hash and the found
 * hash is compared again in constant time. Secrets are never logged or printed by {@code toString}.
 */
public final class TokenService {
  /** The shortest secret accepted for a bootstrap token supplied from outside. */
  public static final int MIN_SECRET_LENGTH = 32;

  private final TokenStore store;
  private final AccountService accounts;
  private final Catalog catalog;
  private final Clock clock;
  private final SecureRandom random;
  private final AuditLog audit;

  /** Last-used writes are throttled to one a minute per token on this node. */
  private static final java.time.Duration TOUCH_EVERY = java.time.Duration.ofMinutes(1);

  private final java.util.Map<String, java.time.Instant> touched =
      new java.util.concurrent.ConcurrentHashMap<>();

  public TokenService(
      TokenStore store,
      AccountService accounts,
      Catalog catalog,
      AuditLog audit,
      Clock clock,
      SecureRandom random) {
    this.store = store;
    this.accounts = accounts;
    this.catalog = catalog;
    this.clock = clock;
    this.audit = audit;
    this.random = random;
  }

  /** What a token may be created for. */
  public record Spec(Role role, Optional<String> accountId, Set<String> services, String label) {}

  /** Creates a token with a fresh random secret, returned once. */
  public IssuedToken create(Spec spec) {
    return create(Caller.system("tokens"), spec);
  }

  /** {@link #create(Spec)} for {@code caller}; audited (the token's id, never its secret). */
  public IssuedToken create(Caller caller, Spec spec) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return create(caller, spec, "cmk_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b));
  }

  /**
   * Creates the first operator token from a secret chosen outside (e.g. {@code
   * CMK_BOOTSTRAP_OPERATOR_TOKEN}) unless an operator token exists already.
   *
   * @return whether a token was created
   */
  public boolean bootstrapOperator(String secret) {
    if (store.hasActiveOperator()) {
      return false;
    }
    if (secret.length() < MIN_SECRET_LENGTH || !secret.matches("[\\x21-\\x7e]+")) {
      throw new CmkException(
          ErrorCode.INVALID_REQUEST,
          "the bootstrap operator token must be at least "
              + MIN_SECRET_LENGTH
              + " printable characters without spaces");
    }
    if (store.findByHash(hash(secret)).isPresent()) {
      return false;
    }
    create(
        Caller.system("bootstrap"),
        new Spec(Role.OPERATOR, Optional.empty(), Set.of(), "bootstrap"),
        secret);
    return true;
  }

  private IssuedToken create(Caller caller, Spec spec, String secret) {
    checkSpec(spec);
    ApiToken t =
        new ApiToken(
            Ids.newId("tok", random),
            spec.role(),
            spec.accountId(),
            spec.services(),
            spec.label() == null ? "" : spec.label().strip(),
            clock.instant(),
            Optional.empty());
    return audit.inTransaction(
        () -> {
          store.insert(t, hash(secret));
          audit.record(event(caller, Actions.TOKEN_ISSUE, t));
          return new IssuedToken(t, secret);
        });
  }

  private static AuditEvent event(Caller caller, String action, ApiToken t) {
    return AuditEvent.of(t.accountId().orElse(""), caller, action)
        .withTarget("", t.id())
        .withDetail("role", t.role().name().toLowerCase(java.util.Locale.ROOT))
        .withDetail("services", String.join(",", new TreeSet<>(t.services())));
  }

  private void checkSpec(Spec s) {
    if (s.role() == null) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "role is required: operator|admin|service");
    }
    if (s.label() != null && s.label().length() > 200) {
      throw new CmkException(ErrorCode.INVALID_REQUEST, "label is at most 200 characters");
    }
    switch (s.role()) {
      case OPERATOR -> {
        if (s.accountId().isPresent() || !s.services().isEmpty()) {
          throw new CmkException(
              ErrorCode.INVALID_REQUEST, "an operator token takes neither accountId nor services");
        }
      }
      case ADMIN -> {
        if (s.accountId().isEmpty() || !s.services().isEmpty()) {
          throw new CmkException(
              ErrorCode.INVALID_REQUEST,
              "an admin token needs accountId (exactly one account) and takes no services");
        }
      }
      case SERVICE -> {
        if (s.services().isEmpty()) {
          throw new CmkException(
              ErrorCode.INVALID_REQUEST,
              "a service token needs services, e.g. [\"chat\"]; known: " + knownServices());
        }
        Set<String> unknown = new TreeSet<>(s.services());
        unknown.removeAll(knownServices());
        if (!unknown.isEmpty()) {
          throw new CmkException(
              ErrorCode.INVALID_REQUEST,
              "unknown services " + unknown + "; known: " + knownServices());
        }
      }
    }
    s.accountId().ifPresent(accounts::require);
  }

  private Set<String> knownServices() {
    return catalog.list().stream()
        .map(AssetType::service)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  /** The active token behind {@code secret}, if any. */
  public Optional<ApiToken> authenticate(String secret) {
    if (secret == null || secret.isEmpty() || secret.length() > 512) {
      return Optional.empty();
    }
    byte[] h = hash(secret).getBytes(StandardCharsets.US_ASCII);
    return store
        .findByHash(new String(h, StandardCharsets.US_ASCII))
        .filter(s -> MessageDigest.isEqual(h, s.secretHash().getBytes(StandardCharsets.US_ASCII)))
        .map(TokenStore.Stored::token)
        .filter(ApiToken::active)
        .map(this::touch);
  }

  private ApiToken touch(ApiToken t) {
    java.time.Instant now = clock.instant();
    java.time.Instant last = touched.get(t.id());
    if (last == null || !now.isBefore(last.plus(TOUCH_EVERY))) {
      touched.put(t.id(), now);
      store.touch(t.id(), now);
    }
    return t;
  }

  /** When each token last authenticated a request (to the minute), by token id. */
  public java.util.Map<String, java.time.Instant> lastUsed() {
    return store.lastUsed();
  }

  public List<ApiToken> list() {
    return store.list();
  }

  /** Revokes a token; revoking a revoked token is a no-op (idempotent). */
  public ApiToken revoke(String tokenId) {
    return revoke(Caller.system("tokens"), tokenId);
  }

  /** {@link #revoke(String)} for {@code caller}; an actual revocation is audited. */
  public ApiToken revoke(Caller caller, String tokenId) {
    Ids.require("token id", tokenId);
    ApiToken t =
        store
            .find(tokenId)
            .orElseThrow(
                () ->
                    new CmkException(
                        ErrorCode.TOKEN_NOT_FOUND, "token '" + tokenId + "' does not exist"));
    if (t.active()) {
      audit.inTransaction(
          () -> {
            store.revoke(tokenId, clock.instant());
            audit.record(event(caller, Actions.TOKEN_REVOKE, t));
            return t;
          });
    }
    return store.find(tokenId).orElseThrow();
  }

  public boolean hasOperator() {
    return store.hasActiveOperator();
  }

  static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
