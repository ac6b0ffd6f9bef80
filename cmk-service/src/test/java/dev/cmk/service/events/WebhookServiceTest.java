package dev.cmk.service.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookServiceTest {
  @Test
  void privateLoopbackAndLinkLocalAddressesAreNotPublic() throws Exception {
    for (String a :
        new String[] {
          "127.0.0.1",
          "10.0.0.1",
          "172.16.5.4",
          "192.168.1.1",
          "169.254.169.254",
          "100.64.0.1",
          "0.0.0.0",
          "224.0.0.1",
          "::1",
          "fe80::1",
          "fd00::1",
          "fc00::2",
          "198.18.0.1"
        }) {
      assertThat(WebhookService.isPublic(InetAddress.getByName(a))).as(a).isFalse();
    }
    for (String a : new String[] {"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"}) {
      assertThat(WebhookService.isPublic(InetAddress.getByName(a))).as(a).isTrue();
    }
  }

  @Test
  void signatureIsHmacSha256OverTimestampDotBody() {
    // expected value computed independently with Python: hmac.new(b"\x0b" * 32,
    // b"1700000000.{...}",
    // hashlib.sha256).hexdigest()
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 0x0b);
    assertThat(WebhookService.sign(key, 1700000000L, "{\"id\":\"evt_1\"}"))
        .isEqualTo("0547f074aa703e40a73fd63eee22d91b27084d31190b0a75cccee61ee14c86fc");
  }

  @Test
  void backoffDoublesWithJitterAndIsCapped() {
    WebhookService s =
        new WebhookService(
            null,
            null,
            null,
            null,
            null,
            "n",
            Clock.systemUTC(),
            new SecureRandom(),
            new WebhookService.Settings(
                false,
                Duration.ofSeconds(10),
                Duration.ofDays(1),
                Duration.ofSeconds(10),
                Duration.ofSeconds(30)));
    for (int i = 0; i < 200; i++) {
      assertThat(s.backoff(1)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      assertThat(s.backoff(4)).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(80));
      assertThat(s.backoff(40)).isBetween(Duration.ofMinutes(30), Duration.ofHours(1));
    }
  }

  @Test
  void bodyCarriesIdTypeFirstAndEscapes() {
    String b =
        WebhookService.body(
            "evt_1",
            "key.transition",
            7,
            Map.of(
                "account_id", "acct_1",
                "kind", "transition",
                "detail", "a \"quoted\"\nline",
                "at", java.time.OffsetDateTime.parse("2026-12-07T10:00:00Z")));
    assertThat(b).startsWith("{\"id\":\"evt_1\",\"type\":\"key.transition\",\"seq\":7,");
    assertThat(b).contains("\"detail\":\"a \\\"quoted\\\"\\u000aline\"");
    assertThat(b).contains("\"at\":\"2026-12-07T10:00:00Z\"");
  }
}
