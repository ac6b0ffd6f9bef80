package dev.cmk.service.search;

import static dev.cmk.service.search.IndexCodec.label;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.DecryptionFailedException;
import dev.cmk.crypto.KeyDerivation;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.search.SearchIndexStore.Index;
import dev.cmk.service.search.SearchIndexStore.Sealed;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The keys of one account's index, all derived (HKDF-SHA256, one label per purpose, each naming
 * account and index) from the index KEK:
 *
 * <ul>
 *   <li>the term key: HMAC-SHA256 of a normalized term is its term hash;
 *   <li>the document-id key: HMAC-SHA256 of a document id is its document hash;
 *   <li>per term hash (per document hash) a wrap key that wraps the fresh DEK of each version of
 *       that posting list (document entry); the DEK seals the entry as a content envelope.
 * </ul>
 *
 * <p>The AAD of a posting list names account, index, purpose and term hash (a document entry: its
 * document hash), so an entry moved to another term, document, index or account fails to decrypt.
 *
 * <p><b>Security:</b> close it to wipe the KEK copy and every derived key.
 */
final class IndexKeys implements AutoCloseable {
  private static final String V = "cmk/search/v1/";
  private static final HexFormat HEX = HexFormat.of();

  private final Index index;
  private final KekLease kek;
  private final SecretKeyMaterial termKey;
  private final SecretKeyMaterial docKey;
  private final SecureRandom random;

  IndexKeys(Index index, KekLease kek, SecureRandom random) {
    if (!kek.kek().id().equals(index.kekId()) || !kek.kek().accountId().equals(index.accountId())) {
      kek.close();
      throw new IllegalArgumentException("the lease is not the index's KEK");
    }
    this.index = index;
    this.kek = kek;
    this.random = random;
    this.termKey = KeyDerivation.derive(kek.key(), info("term-key"));
    this.docKey = KeyDerivation.derive(kek.key(), info("document-id-key"));
  }

  Index index() {
    return index;
  }

  String termHash(String normalizedTerm) {
    return HEX.formatHex(
        KeyDerivation.hmacSha256(termKey, normalizedTerm.getBytes(StandardCharsets.UTF_8)));
  }

  String docHash(String documentId) {
    return HEX.formatHex(
        KeyDerivation.hmacSha256(docKey, documentId.getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether a stored row belongs to this index (rows of an earlier index are dead). */
  boolean owns(Sealed row) {
    return row.indexId().equals(index.indexId()) && row.kekId().equals(index.kekId());
  }

  Sealed sealPosting(String termHash, byte[] plain) {
    return seal("posting", termHash, plain);
  }

  byte[] openPosting(String termHash, Sealed row) {
    return open("posting", termHash, row);
  }

  Sealed sealDocument(String docHash, byte[] plain) {
    return seal("document", docHash, plain);
  }

  byte[] openDocument(String docHash, Sealed row) {
    return open("document", docHash, row);
  }

  private Sealed seal(String purpose, String hash, byte[] plain) {
    byte[] aad = aad(purpose, hash);
    try (SecretKeyMaterial wrapKey =
            KeyDerivation.derive(kek.key(), info(purpose + "-wrap", hash));
        SecretKeyMaterial dek = SecretKeyMaterial.random(random)) {
      byte[] raw = dek.copyBytes();
      byte[] wrapped;
      try {
        wrapped = AesGcm.seal(wrapKey, raw, aad, random);
      } finally {
        Arrays.fill(raw, (byte) 0);
      }
      byte[] envelope = ContentEnvelope.seal(dek, index.kekId(), wrapped, aad, plain, random);
      return new Sealed(index.indexId(), index.kekId(), envelope, 0);
    }
  }

  private byte[] open(String purpose, String hash, Sealed row) {
    if (!owns(row)) {
      throw new DecryptionFailedException("decryption failed: entry of another index");
    }
    byte[] aad = aad(purpose, hash);
    ContentEnvelope.Header header = ContentEnvelope.readHeader(row.envelope());
    if (!header.kekId().equals(index.kekId())) {
      throw new DecryptionFailedException("decryption failed: envelope names another KEK");
    }
    try (SecretKeyMaterial wrapKey =
            KeyDerivation.derive(kek.key(), info(purpose + "-wrap", hash));
        SecretKeyMaterial dek =
            SecretKeyMaterial.takeOwnership(AesGcm.open(wrapKey, header.wrappedDek(), aad))) {
      return ContentEnvelope.open(dek, aad, row.envelope());
    }
  }

  private byte[] info(String purpose, String... more) {
    String[] parts = new String[3 + more.length];
    parts[0] = V + purpose;
    parts[1] = index.accountId();
    parts[2] = index.indexId();
    System.arraycopy(more, 0, parts, 3, more.length);
    return label(parts);
  }

  private byte[] aad(String purpose, String hash) {
    return label(V + purpose + "-aad", index.accountId(), index.indexId(), hash);
  }

  /** The customer or platform key the index KEK is wrapped under (for the audit log). */
  dev.cmk.provider.KeyRef root() {
    return kek.kek().root();
  }

  @Override
  public void close() {
    termKey.close();
    docKey.close();
    kek.close();
  }

  @Override
  public String toString() {
    return "IndexKeys[" + index.accountId() + "/" + index.indexId() + ", redacted]";
  }
}
