package dev.cmk.provider.resilience;

import java.time.Duration;

/** Waits between retries. Injected so that tests record the waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

  void sleep(Duration duration) throws InterruptedException;

  /** Sleeps the calling thread. */
  static Sleeper system() {
    return d -> Thread.sleep(d.toMillis());
  }
}
