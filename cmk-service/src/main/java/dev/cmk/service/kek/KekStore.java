package dev.cmk.service.kek;

import java.util.Optional;

/** Persistence of wrapped KEKs. */
public interface KekStore {
  /**
   * Inserts the KEK unless one already exists for its scope; returns the stored one (this one or
   * the one another writer stored first).
   */
  Kek insertIfAbsent(Kek kek);

  Optional<Kek> find(String kekId);

  Optional<Kek> findByScope(Kek.Scope scope);
}
