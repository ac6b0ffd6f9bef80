package dev.cmk.service.content;

import java.util.Optional;

/** Persistence of object metadata rows. */
public interface ObjectStore {
  /** Inserts the row; returns false if an object with that id already exists in the account. */
  boolean insert(StoredObject object);

  Optional<StoredObject> find(String accountId, String objectId);

  long countByKek(String kekId);
}
