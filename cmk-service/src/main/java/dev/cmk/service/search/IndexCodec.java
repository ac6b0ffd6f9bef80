package dev.cmk.service.search;

import dev.cmk.crypto.DecryptionFailedException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The plaintext inside the index's envelopes, version 1. A posting list: {@code 0x01, count (4),
 * then per entry document id (2-byte length, UTF-8) and service (1-byte length, ASCII)}, sorted by
 * document id. A document entry: {@code 0x01, service (1-byte length), count (4), then 32-byte term
 * hashes}, sorted. Also the labels that separate every derived key and every AAD of the index.
 */
final class IndexCodec {
  private static final int VERSION = 1;
  static final int HASH_BYTES = 32;

  private IndexCodec() {}

  /** A length-prefixed join: no two different label lists encode the same. */
  static byte[] label(String... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : parts) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      out.write(b.length >>> 8);
      out.write(b.length);
      out.write(b, 0, b.length);
    }
    return out.toByteArray();
  }

  static byte[] encodePostings(SortedMap<String, String> docToService) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    writeInt(out, docToService.size());
    for (Map.Entry<String, String> e : docToService.entrySet()) {
      byte[] d = e.getKey().getBytes(StandardCharsets.UTF_8);
      byte[] s = e.getValue().getBytes(StandardCharsets.US_ASCII);
      out.write(d.length >>> 8);
      out.write(d.length);
      out.write(d, 0, d.length);
      out.write(s.length);
      out.write(s, 0, s.length);
    }
    return out.toByteArray();
  }

  static SortedMap<String, String> decodePostings(byte[] plain) {
    try {
      ByteBuffer b = ByteBuffer.wrap(plain);
      checkVersion(b);
      int n = b.getInt();
      SortedMap<String, String> out = new TreeMap<>();
      for (int i = 0; i < n; i++) {
        byte[] d = new byte[Short.toUnsignedInt(b.getShort())];
        b.get(d);
        byte[] s = new byte[Byte.toUnsignedInt(b.get())];
        b.get(s);
        out.put(new String(d, StandardCharsets.UTF_8), new String(s, StandardCharsets.US_ASCII));
      }
      checkEnd(b);
      return out;
    } catch (RuntimeException e) {
      throw malformed();
    }
  }

  /** The document's service and the term hashes (hex) it is indexed under. */
  record DocumentEntry(String service, SortedSet<String> termHashes) {}

  static byte[] encodeDocument(DocumentEntry d) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(VERSION);
    byte[] s = d.service().getBytes(StandardCharsets.US_ASCII);
    out.write(s.length);
    out.write(s, 0, s.length);
    writeInt(out, d.termHashes().size());
    for (String h : d.termHashes()) {
      out.write(java.util.HexFormat.of().parseHex(h), 0, HASH_BYTES);
    }
    return out.toByteArray();
  }

  static DocumentEntry decodeDocument(byte[] plain) {
    try {
      ByteBuffer b = ByteBuffer.wrap(plain);
      checkVersion(b);
      byte[] s = new byte[Byte.toUnsignedInt(b.get())];
      b.get(s);
      int n = b.getInt();
      SortedSet<String> hashes = new TreeSet<>();
      byte[] h = new byte[HASH_BYTES];
      for (int i = 0; i < n; i++) {
        b.get(h);
        hashes.add(java.util.HexFormat.of().formatHex(h));
      }
      checkEnd(b);
      return new DocumentEntry(new String(s, StandardCharsets.US_ASCII), hashes);
    } catch (RuntimeException e) {
      throw malformed();
    }
  }

  private static void checkVersion(ByteBuffer b) {
    if (b.get() != VERSION) {
      throw new IllegalArgumentException("version");
    }
  }

  private static void checkEnd(ByteBuffer b) {
    if (b.hasRemaining()) {
      throw new IllegalArgumentException("trailing bytes");
    }
  }

  private static void writeInt(ByteArrayOutputStream out, int v) {
    out.write(v >>> 24);
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static DecryptionFailedException malformed() {
    return new DecryptionFailedException("decryption failed: malformed search index entry");
  }
}
