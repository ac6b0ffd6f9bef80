package dev.cmk.service.blob;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where encrypted content envelopes are kept: a local directory by default, S3 in production. Blobs
 * are ciphertext only; a blob store never sees plaintext or keys.
 *
 * <p>Durability: {@code put} returns only when the blob survives a crash of the node and of its
 * machine (the directory store fsyncs the file and its directory; S3 acknowledges a PUT once it is
 * stored redundantly).
 *
 * <p>Keys are {@link BlobKeys#require checked}: segments of {@code A-Z a-z 0-9 . _ -} joined by
 * {@code /}. A put replaces the whole blob or nothing; a reader never sees a partial blob.
 *
 * <p>Content streams through {@link #put(String, BlobWriter)} and {@link #open(String)} without
 * being held whole in memory; the byte-array methods are for small blobs (audit archive segments).
 *
 * <p>Failures: {@link BlobStoreUnavailableException} when the store cannot be reached or answers
 * with a server error or throttling (try again later), {@link BlobStoreAccessDeniedException} when
 * it refuses the node's identity (an operator has to fix permissions). Neither carries credentials.
 */
public interface BlobStore {
  /** Stores {@code envelope} under {@code key}, replacing any blob there. */
  void put(String key, byte[] envelope);

  /** The blob under {@code key}; empty when there is none. */
  Optional<byte[]> get(String key);

  /** Removes the blob under {@code key}; no-op when there is none. */
  void delete(String key);

  /** A stored blob as listed: its key and when it was last written. */
  record Listed(String key, Instant lastModified) {}

  /**
   * Up to {@code max} blobs whose keys start with {@code prefix}, in key order, after the key
   * {@code startAfter} (empty: from the first). For the orphan sweeper; a store that cannot list
   * returns nothing (and so is never swept).
   */
  default List<Listed> list(String prefix, String startAfter, int max) {
    return List.of();
  }

  /**
   * Writes a blob's bytes to the stream it is handed. A problem with what it writes from (a client
   * that went away, content over a limit) is thrown as an unchecked exception, which the store
   * passes on unchanged; an {@link IOException} comes from the store's own stream.
   */
  @FunctionalInterface
  interface BlobWriter {
    void writeTo(OutputStream out) throws IOException;
  }

  /**
   * Stores what {@code writer} writes under {@code key}, replacing any blob there, once the writer
   * returns: in memory the store holds a bounded buffer, never the whole blob. If the writer
   * throws, nothing is stored and nothing is left behind (no temporary file, no unfinished
   * multipart upload); its exception is rethrown.
   *
   * <p>The default gathers the blob in memory: for in-memory test stores only; real stores override
   * it.
   */
  default void put(String key, BlobWriter writer) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    put(key, out.toByteArray());
  }

  /**
   * Opens the blob under {@code key} for reading; empty when there is none. The caller closes the
   * stream. A failure while reading surfaces as an {@link IOException} from the stream.
   *
   * <p>The default reads the blob whole: for in-memory test stores only; real stores override it.
   */
  default Optional<InputStream> open(String key) {
    return get(key).map(ByteArrayInputStream::new);
  }
}
