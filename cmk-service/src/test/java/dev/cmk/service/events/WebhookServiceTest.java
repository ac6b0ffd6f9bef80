package dev.cmk.service.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.service.CmkException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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
      assertThat(WebhookUrls.isPublic(InetAddress.getByName(a))).as(a).isFalse();
    }
    for (String a : new String[] {"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "100.128.0.1"}) {
      assertThat(WebhookUrls.isPublic(InetAddress.getByName(a))).as(a).isTrue();
    }
  }

  @Test
  void signatureIsHmacSha256OverTimestampDotBody() {
    // expected value computed independently with Python: hmac.new(b"\x0b" * 32,
    // b"1700000000.{...}",
    // hashlib.sha256).hexdigest()
    byte[] key = new byte[32];
    java.util.Arrays.fill(key, (byte) 0x0b);
    assertThat(WebhookPayload.sign(key, 1700000000L, "{\"id\":\"evt_1\"}"))
        .isEqualTo("0547f074aa703e40a73fd63eee22d91b27084d31190b0a75cccee61ee14c86fc");
  }

  @Test
  void backoffDoublesWithJitterAndIsCapped() {
    WebhookService.Settings settings =
        new WebhookService.Settings(
            false,
            Duration.ofSeconds(10),
            Duration.ofDays(1),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30));
    WebhookDelivery s =
        new WebhookDelivery(
            null,
            null,
            null,
            "n",
            Clock.systemUTC(),
            new SecureRandom(),
            settings,
            new WebhookUrls(false, InetAddress::getAllByName),
            PinnedPost.Dialer.PLAIN);
    for (int i = 0; i < 200; i++) {
      assertThat(s.backoff(1)).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10));
      assertThat(s.backoff(4)).isBetween(Duration.ofSeconds(40), Duration.ofSeconds(80));
      assertThat(s.backoff(40)).isBetween(Duration.ofMinutes(30), Duration.ofHours(1));
    }
  }

  @Test
  void bodyCarriesIdTypeFirstAndEscapes() {
    String b =
        WebhookPayload.body(
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

  /**
   * DNS rebinding: a name that answers a public address, then a private one, then public again (TTL
   * 0). Each attempt resolves once and connects to exactly what it checked: the private answer is
   * refused before any connection, and no connection ever goes to the private address.
   */
  @Test
  void deliveryConnectsToTheCheckedAddressOnlyNeverToARebindingPrivateOne() throws Exception {
    InetAddress pub = InetAddress.getByName("93.184.216.34");
    InetAddress priv = InetAddress.getByName("10.0.0.7");
    AtomicInteger lookups = new AtomicInteger();
    WebhookUrls.Resolver rebinding =
        host -> {
          assertThat(host).isEqualTo("hooks.example.com");
          return new InetAddress[] {lookups.incrementAndGet() % 2 == 1 ? pub : priv};
        };
    List<InetSocketAddress> dialed = new ArrayList<>();
    PinnedPost.Dialer recording =
        (to, timeout) -> {
          dialed.add(to);
          throw new IOException("test: no connection is made");
        };
    WebhookUrls urls = new WebhookUrls(false, rebinding);
    WebhookDelivery s =
        new WebhookDelivery(
            null,
            null,
            null,
            "n",
            Clock.systemUTC(),
            new SecureRandom(),
            WebhookService.Settings.defaults(),
            urls,
            recording);
    String url = "https://hooks.example.com/cmk?x=1";

    // the check at creation sees the public address
    assertThat(urls.check(url).address()).isEqualTo(pub);
    // attempt 1: the name now answers private: refused, nothing dialed
    assertThatThrownBy(() -> s.send(url, Map.of(), "{}"))
        .isInstanceOf(CmkException.class)
        .hasMessageContaining("private");
    assertThat(dialed).isEmpty();
    // attempt 2: public again: dialed, to exactly that address, after exactly one lookup
    assertThatThrownBy(() -> s.send(url, Map.of(), "{}")).hasMessageContaining("test:");
    assertThat(lookups.get()).isEqualTo(3);
    assertThat(dialed).containsExactly(new InetSocketAddress(pub, 443));
    assertThat(dialed).noneMatch(a -> a.getAddress().equals(priv));
  }

  @Test
  void theRequestHeadNamesTheHostAndTheAnswerStatusSkipsInterimAnswers() throws Exception {
    PinnedPost.Target t =
        new PinnedPost.Target(
            java.net.URI.create("https://hooks.example.com:8443/a/b?c=d"),
            InetAddress.getByName("93.184.216.34"));
    assertThat(PinnedPost.head(t, Map.of("CMK-Event-Id", "evt_1"), 2))
        .isEqualTo(
            "POST /a/b?c=d HTTP/1.1\r\nHost: hooks.example.com:8443\r\nCMK-Event-Id: evt_1\r\n"
                + "Content-Length: 2\r\nConnection: close\r\n\r\n");
    assertThatThrownBy(() -> PinnedPost.head(t, Map.of("X", "a\r\nInjected: 1"), 0))
        .isInstanceOf(IllegalArgumentException.class);
    String answer = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nA: b\r\n\r\n";
    assertThat(
            PinnedPost.status(
                new ByteArrayInputStream(answer.getBytes(StandardCharsets.ISO_8859_1))))
        .isEqualTo(503);
    assertThatThrownBy(
            () ->
                PinnedPost.status(
                    new ByteArrayInputStream("SSH-2.0\r\n".getBytes(StandardCharsets.ISO_8859_1))))
        .isInstanceOf(IOException.class);
  }
}
