package dev.cmk.service.content;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The associated data that binds a DEK wrap and the content to (account, asset type, object id): a
 * ciphertext moved to another object or account fails to decrypt.
 */
final class ContentAad {
  private ContentAad() {}

  static byte[] of(String accountId, String assetType, String objectId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : new String[] {"cmk/content/v1", accountId, assetType, objectId}) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }
}
