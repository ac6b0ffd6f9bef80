package dev.cmk.service.session;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Persistence of live sessions. */
public interface SessionStore {
  void insert(LiveSession s);

  Optional<LiveSession> find(String accountId, String sessionId);

  /** Ends one active session; false if it was not active. */
  boolean end(String accountId, String sessionId, String reason, Instant now);

  /** Ends every active session of the account; returns how many. */
  int endAll(String accountId, String reason, Instant now);

  /**
   * Ends the account's active sessions whose KEK has {@code protection} (e.g. {@code CMK}: those
   * under the customer's key, not the platform key's); returns how many.
   */
  int endAllUnder(String accountId, String protection, String reason, Instant now);

  /** An account whose option says to drop calls and whose key is unavailable now. */
  record Unavailable(String accountId, String cause, String reason) {}

  List<Unavailable> droppingAccountsWithUnavailableKey();

  void setDropCalls(String accountId, boolean enabled);
}
