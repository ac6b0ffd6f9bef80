package dev.cmk.service.search;

import dev.cmk.service.kek.Protection;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Persistence of the encrypted search index: the account's current index (its KEK), the posting
 * lists by term hash and the document entries by document-id hash. Rows hold only keyed hashes and
 * content envelopes.
 */
public interface SearchIndexStore {
  /**
   * The account's current index.
   *
   * @param indexId random id of this index; part of every derivation label and AAD, so rows of an
   *     earlier index never pass as rows of this one
   * @param kekId the account KEK (search-index asset type) every key of the index derives from
   */
  record Index(
      String accountId, String indexId, String kekId, Protection protection, Instant createdAt) {}

  /** One stored row: its index, its KEK, its envelope and the version it was read at. */
  record Sealed(String indexId, String kekId, byte[] envelope, long version) {
    @Override
    public String toString() {
      return "Sealed[" + indexId + ", " + kekId + ", v" + version + "]";
    }
  }

  Optional<Index> findIndex(String accountId);

  /**
   * Makes {@code next} the account's index if the current one is still {@code expected} (empty:
   * none yet), and deletes every posting and document row of the account that belongs to another
   * index, in one transaction. Returns the index stored afterwards: {@code next}, or the one a
   * concurrent caller stored first.
   */
  Index replaceIndex(Optional<Index> expected, Index next);

  /** The posting rows of these term hashes that exist, read without locking. */
  Map<String, Sealed> postings(String accountId, Collection<String> termHashes);

  /**
   * Runs {@code work} in one transaction and commits it when it returns.
   *
   * @throws ConcurrentChangeException when another writer changed a row first (the caller retries)
   */
  <T> T inTransaction(Function<Tx, T> work);

  /**
   * A transaction's view. Rows are locked in a fixed order (document first, then postings by term
   * hash) so two writers never deadlock; every write checks the version it read.
   */
  interface Tx {
    Optional<Sealed> lockDocument(String accountId, String docHash);

    /** Locks the existing rows of {@code termHashes} in their sorted order. */
    Map<String, Sealed> lockPostings(String accountId, SortedSet<String> termHashes);

    /** Inserts (no {@code previous}) or updates the row read as {@code previous}. */
    void putDocument(String accountId, String docHash, Optional<Sealed> previous, Sealed next);

    void deleteDocument(String accountId, String docHash, Sealed previous);

    void putPosting(String accountId, String termHash, Optional<Sealed> previous, Sealed next);

    void deletePosting(String accountId, String termHash, Sealed previous);
  }

  /** Another writer changed a row between read and write; nothing of this transaction remains. */
  final class ConcurrentChangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConcurrentChangeException(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }
}
