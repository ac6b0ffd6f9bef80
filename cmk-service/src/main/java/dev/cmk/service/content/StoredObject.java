package dev.cmk.service.content;

import dev.cmk.service.kek.Protection;
import java.time.Instant;

/**
 * The metadata row of one stored object. The envelope itself is in the blob store.
 *
 * <p>{@code wrappedDek} is the object's DEK wrapped under {@code kekId} (AAD: account, asset type,
 * object id) for objects whose envelope has detached key references; it is empty for objects
 * written before the row held it, whose envelope header holds the wrapped DEK instead.
 */
public record StoredObject(
    String accountId,
    String objectId,
    String assetType,
    String ownerUserId,
    String kekId,
    Protection protection,
    long plaintextSize,
    Instant createdAt,
    byte[] wrappedDek) {

  private static final byte[] NONE = new byte[0];

  /** A row whose wrapped DEK is in its envelope's header (the form written before V50). */
  public StoredObject(
      String accountId,
      String objectId,
      String assetType,
      String ownerUserId,
      String kekId,
      Protection protection,
      long plaintextSize,
      Instant createdAt) {
    this(
        accountId,
        objectId,
        assetType,
        ownerUserId,
        kekId,
        protection,
        plaintextSize,
        createdAt,
        NONE);
  }

  public String blobKey() {
    return accountId + "/" + objectId;
  }

  /** Whether the row holds the wrapped DEK (else the envelope's header does). */
  public boolean holdsWrappedDek() {
    return wrappedDek.length > 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StoredObject s
        && accountId.equals(s.accountId)
        && objectId.equals(s.objectId)
        && assetType.equals(s.assetType)
        && ownerUserId.equals(s.ownerUserId)
        && kekId.equals(s.kekId)
        && protection == s.protection
        && plaintextSize == s.plaintextSize
        && createdAt.equals(s.createdAt)
        && java.util.Arrays.equals(wrappedDek, s.wrappedDek);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(accountId, objectId, kekId, plaintextSize);
  }

  @Override
  public String toString() {
    return "StoredObject[accountId="
        + accountId
        + ", objectId="
        + objectId
        + ", assetType="
        + assetType
        + ", kekId="
        + kekId
        + ", protection="
        + protection
        + ", plaintextSize="
        + plaintextSize
        + ", wrappedDek="
        + (holdsWrappedDek() ? "in row" : "in envelope")
        + "]";
  }
}
