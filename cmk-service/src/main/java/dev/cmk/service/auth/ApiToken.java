package dev.cmk.service.auth;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;

/**
 * A stored bearer token: who it speaks for. The secret itself is never stored, only its SHA-256.
 *
 * @param accountId the account an admin or service token is bound to; empty for operator tokens and
 *     for service tokens valid for every account
 * @param services for service tokens, the catalog services (e.g. {@code chat}) it may write and
 *     read; empty for other roles
 * @param label free text naming the holder, shown in listings
 */
public record ApiToken(
    String id,
    Role role,
    Optional<String> accountId,
    Set<String> services,
    String label,
    Instant createdAt,
    Optional<Instant> revokedAt) {
  public ApiToken {
    services = Set.copyOf(services);
  }

  public boolean active() {
    return revokedAt.isEmpty();
  }

  /** Whether this token may act on {@code account} at all (its own account, or every account). */
  public boolean coversAccount(String account) {
    return switch (role) {
      case OPERATOR -> true;
      case ADMIN -> accountId.map(account::equals).orElse(false);
      case SERVICE -> accountId.map(account::equals).orElse(true);
    };
  }
}
