package dev.cmk.service.audit;

/**
 * Who asked for an operation and under which request id: what the audit log records as the actor.
 * The HTTP layer makes one from the request's token and {@code X-Request-Id}; background work uses
 * {@link #system(String)}.
 *
 * <p><b>Security:</b> {@code id} is a token's id, never its secret.
 */
public record Caller(ActorKind kind, String id, String requestId) {
  public Caller {
    id = id == null ? "" : id;
    requestId = requestId == null ? "" : requestId;
  }

  /** The service acting on its own, e.g. {@code system("probe")}. */
  public static Caller system(String component) {
    return new Caller(ActorKind.SYSTEM, component, "");
  }
}
