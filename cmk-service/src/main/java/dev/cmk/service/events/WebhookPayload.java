package dev.cmk.service.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * What a webhook POST carries: the key event as a JSON body and its {@code CMK-Signature}, a
 * lower-case hex HMAC-SHA256 of {@code t + "." + body} under the webhook's secret.
 */
public final class WebhookPayload {
  private WebhookPayload() {}

  /** The key event as the webhook's JSON body: stable {@code id} and {@code type} first. */
  static String body(String eventId, String type, long seq, Map<String, Object> e) {
    StringBuilder b = new StringBuilder(512).append('{');
    field(b, "id", eventId).append(',');
    field(b, "type", type).append(',');
    b.append("\"seq\":").append(seq).append(',');
    field(b, "accountId", e.get("account_id")).append(',');
    field(b, "customerKeyId", e.get("customer_key_id")).append(',');
    field(b, "kind", e.get("kind")).append(',');
    field(b, "fromState", e.get("from_state")).append(',');
    field(b, "toState", e.get("to_state")).append(',');
    field(b, "cause", e.get("cause")).append(',');
    field(b, "reason", e.get("reason")).append(',');
    field(b, "source", e.get("source")).append(',');
    field(b, "detail", e.get("detail")).append(',');
    field(b, "at", instantOf(e.get("at")).toString());
    return b.append('}').toString();
  }

  private static Instant instantOf(@Nullable Object o) {
    if (o instanceof OffsetDateTime t) {
      return t.toInstant();
    }
    if (o instanceof java.sql.Timestamp t) {
      return t.toInstant();
    }
    if (o instanceof Instant i) {
      return i;
    }
    return OffsetDateTime.parse(String.valueOf(o).replace(' ', 'T')).toInstant();
  }

  private static StringBuilder field(StringBuilder b, String name, @Nullable Object value) {
    b.append('"').append(name).append("\":");
    return dev.cmk.service.Texts.appendJsonString(b, value == null ? "" : value.toString());
  }

  /** Lower-case hex HMAC-SHA256 over {@code t + "." + body}. */
  public static String sign(byte[] secret, long t, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return HexFormat.of()
          .formatHex(mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from the JDK", e);
    }
  }
}
