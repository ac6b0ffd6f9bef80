package dev.cmk.service.content;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** Persistence of object metadata rows. */
public interface ObjectStore {
  /**
   * Inserts the row; returns false if an object with that id already exists in the account.
   *
   * @throws UnknownKekException if the row's KEK no longer exists (a recovery job on another node
   *     deleted it while this node still had it cached)
   */
  boolean insert(StoredObject object);

  /** The KEK a new row names is gone: the writer's KEK cache is stale. */
  final class UnknownKekException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnknownKekException(String kekId, Throwable cause) {
      super("KEK " + kekId + " no longer exists", cause);
    }
  }

  Optional<StoredObject> find(String accountId, String objectId);

  /** The rows of those of {@code objectIds} that exist in the account, by object id. */
  Map<String, StoredObject> findAll(String accountId, Collection<String> objectIds);

  long countByKek(String kekId);
}
