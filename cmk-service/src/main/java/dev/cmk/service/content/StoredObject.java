package dev.cmk.service.content;

import dev.cmk.service.kek.Protection;
import java.time.Instant;

/** The metadata row of one stored object. The envelope itself is in the blob store. */
public record StoredObject(
    String accountId,
    String objectId,
    String assetType,
    String ownerUserId,
    String kekId,
    Protection protection,
    long plaintextSize,
    Instant createdAt) {

  public String blobKey() {
    return accountId + "/" + objectId;
  }
}
