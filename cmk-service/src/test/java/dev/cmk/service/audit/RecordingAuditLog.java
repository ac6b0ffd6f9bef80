package dev.cmk.service.audit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * An in-memory {@link AuditLog} for tests that build a service without the database log: it keeps
 * the events (no seq, no hash) so a test can look at them, and runs a "transaction" as a plain
 * call.
 */
public final class RecordingAuditLog implements AuditLog {
  private final List<AuditEvent> events = new ArrayList<>();

  @Override
  public synchronized void record(AuditEvent event) {
    events.add(event);
  }

  @Override
  public <T> T inTransaction(Supplier<T> change) {
    return change.get();
  }

  /** The events recorded so far, oldest first. */
  public synchronized List<AuditEvent> events() {
    return List.copyOf(events);
  }
}
