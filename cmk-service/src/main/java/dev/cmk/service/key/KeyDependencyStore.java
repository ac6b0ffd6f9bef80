package dev.cmk.service.key;

/** Counts what depends on a key registration (see {@link KeyDependents}). */
public interface KeyDependencyStore {
  /** The counts for {@code key}, read in one consistent pass. */
  KeyDependents.Counts count(CustomerKey key);
}
