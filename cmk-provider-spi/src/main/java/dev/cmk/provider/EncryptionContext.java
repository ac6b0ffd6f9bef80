package dev.cmk.provider;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The non-secret name/value pairs bound to every wrap: AWS KMS's encryption context, OCI's
 * associated data, the AAD of GCM wraps. They appear in the customer's own key audit trail and can
 * be used in key-policy conditions.
 *
 * <p>CMK always sets {@code platform}, {@code account}, {@code service} and {@code purpose}; a KEK
 * wrap also sets {@code kek} and (KEKs made since issue 16) {@code period}, the KEK's UTC day as
 * {@code yyyyMMdd}, so a customer's key policy can refuse one service or a range of days.
 */
public record EncryptionContext(SortedMap<String, String> entries) {
  public static final String PLATFORM = "platform";
  public static final String ACCOUNT = "account";
  public static final String SERVICE = "service";
  public static final String PURPOSE = "purpose";
  public static final String PERIOD = "period";
  public static final String KEK = "kek";

  public EncryptionContext {
    entries = Collections.unmodifiableSortedMap(new TreeMap<>(entries));
  }

  public static EncryptionContext of(Map<String, String> entries) {
    return new EncryptionContext(new TreeMap<>(entries));
  }

  /** The context of a KEK wrap: who the key is for and why it is used. */
  public static EncryptionContext forKek(
      String platform, String account, String serviceId, String purpose, String kekId) {
    TreeMap<String, String> m = new TreeMap<>();
    m.put(PLATFORM, platform);
    m.put(ACCOUNT, account);
    m.put(SERVICE, serviceId);
    m.put(PURPOSE, purpose);
    m.put("kek", kekId);
    return new EncryptionContext(m);
  }

  /** The context of a KEK wrap that also names the KEK's period (its UTC day, yyyyMMdd). */
  public static EncryptionContext forKek(
      String platform,
      String account,
      String serviceId,
      String period,
      String purpose,
      String kekId) {
    TreeMap<String, String> m =
        new TreeMap<>(forKek(platform, account, serviceId, purpose, kekId).entries);
    m.put(PERIOD, period);
    return new EncryptionContext(m);
  }

  public Map<String, String> asMap() {
    return entries;
  }

  /**
   * A canonical, unambiguous byte form (length-prefixed, key-sorted) for providers whose wrap takes
   * associated data as bytes.
   */
  public byte[] canonicalBytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      writeLengthPrefixed(out, e.getKey().getBytes(StandardCharsets.UTF_8));
      writeLengthPrefixed(out, e.getValue().getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  private static void writeLengthPrefixed(ByteArrayOutputStream out, byte[] b) {
    out.write(b.length >>> 24);
    out.write(b.length >>> 16);
    out.write(b.length >>> 8);
    out.write(b.length);
    out.write(b, 0, b.length);
  }
}
