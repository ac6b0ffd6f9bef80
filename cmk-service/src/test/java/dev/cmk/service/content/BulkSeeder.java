package dev.cmk.service.content;

import dev.cmk.crypto.AesGcm;
import dev.cmk.crypto.ContentEnvelope;
import dev.cmk.crypto.SecretKeyMaterial;
import dev.cmk.service.kek.KekService.KekLease;
import dev.cmk.service.kek.Protection;
import dev.cmk.service.store.Database;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Writes many objects under one KEK fast, for benchmarks: the same envelope and AAD as {@link
 * ContentService#put}, but rows go in by JDBC batch and blobs only when asked.
 */
public final class BulkSeeder {
  private BulkSeeder() {}

  /**
   * @param withBlobs whether to write each object's envelope (needed to re-wrap its DEK)
   */
  public static void seed(
      Database db,
      dev.cmk.service.blob.BlobStore blobs,
      KekLease kek,
      String accountId,
      String assetType,
      String owner,
      String idPrefix,
      int count,
      boolean withBlobs,
      Instant now) {
    SecureRandom random = new SecureRandom();
    byte[] plaintext = new byte[512];
    for (int from = 0; from < count; from += 1000) {
      int to = Math.min(count, from + 1000);
      int start = from;
      db.jdbi()
          .useTransaction(
              h -> {
                PreparedBatch b =
                    h.prepareBatch(
                        "insert into objects (id, account_id, asset_type, owner_user_id, kek_id,"
                            + " protection, plaintext_size, created_at, wrapped_dek)"
                            + " values (:id, :a, :t, :u, :k, :p, :n, :c, :w)");
                for (int i = start; i < to; i++) {
                  String id = idPrefix + i;
                  byte[] wrapped = null;
                  if (withBlobs) {
                    // the form ContentService writes: detached envelope, wrapped DEK in the row
                    byte[] aad = ContentAad.of(accountId, assetType, id);
                    try (SecretKeyMaterial dek = SecretKeyMaterial.random(random)) {
                      wrapped = AesGcm.seal(kek.key(), dek.copyBytes(), aad, random);
                      ContentEnvelope.Header none = ContentEnvelope.DETACHED;
                      blobs.put(
                          accountId + "/" + id,
                          ContentEnvelope.seal(
                              dek, none.kekId(), none.wrappedDek(), aad, plaintext, random));
                    }
                  }
                  b.bind("id", id)
                      .bind("a", accountId)
                      .bind("t", assetType)
                      .bind("u", owner)
                      .bind("k", kek.kek().id())
                      .bind("p", Protection.FALLBACK.name())
                      .bind("n", plaintext.length)
                      .bind("c", now.atOffset(ZoneOffset.UTC))
                      .bind("w", wrapped)
                      .add();
                }
                b.execute();
              });
    }
  }
}
