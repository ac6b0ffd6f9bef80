package dev.cmk.service.availability;

import org.jspecify.annotations.Nullable;

/**
 * Behaviour triggered by a key's availability transition (purge on refusal, recovery when back,
 * dropping live calls). Called once per transition, on the node that recorded it, after the
 * transition was committed.
 */
@FunctionalInterface
public interface TransitionListener {
  /**
   * @param from the key's previous status, or null on its first one
   */
  void onTransition(@Nullable KeyStatus from, KeyStatus to);
}
