package dev.cmk.service.availability;

/**
 * Behaviour triggered by a key's availability transition (purge on refusal, recovery when back,
 * dropping live calls). Called once per transition, on the node that recorded it, after the
 * transition was committed.
 */
@FunctionalInterface
public interface TransitionListener {
  void onTransition(KeyStatus from, KeyStatus to);
}
