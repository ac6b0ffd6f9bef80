package dev.cmk.service.blob;

import java.util.Optional;

/**
 * Where encrypted content envelopes are kept: a local directory by default, S3 in production. Blobs
 * are ciphertext only; a blob store never sees plaintext or keys.
 */
public interface BlobStore {
  void put(String key, byte[] envelope);

  Optional<byte[]> get(String key);

  void delete(String key);
}
