package dev.cmk.service.content;

/** The content AAD for tests outside the package that open envelopes by hand. */
public final class TestAad {
  private TestAad() {}

  public static byte[] of(StoredObject o) {
    return ContentAad.of(o.accountId(), o.assetType(), o.objectId());
  }
}
