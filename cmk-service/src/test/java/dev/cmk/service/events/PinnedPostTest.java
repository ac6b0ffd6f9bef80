package dev.cmk.service.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real TLS server on 127.0.0.1 with a certificate for {@code hooks.test}, a name that resolves
 * nowhere: the POST reaches it only because it goes to the pinned address (no lookup), and TLS
 * still checks the certificate against the URL's host.
 */
class PinnedPostTest {
  @TempDir Path dir;

  static SSLContext context(Path keystore) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory km = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    km.init(ks, "changeit".toCharArray());
    TrustManagerFactory tm =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tm.init(ks);
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(km.getKeyManagers(), tm.getTrustManagers(), null);
    return c;
  }

  @Test
  void httpsGoesToThePinnedAddressAndVerifiesTheCertificateAgainstTheUrlsHost() throws Exception {
    Path ks = dir.resolve("hook.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "hook",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=hooks.test",
                "-ext",
                "SAN=dns:hooks.test",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(out).isZero();
    SSLContext tls = context(ks);

    HttpsServer server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    AtomicReference<String> host = new AtomicReference<>();
    AtomicReference<String> body = new AtomicReference<>();
    server.createContext(
        "/hook",
        ex -> {
          host.set(ex.getRequestHeaders().getFirst("Host"));
          body.set(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          ex.sendResponseHeaders(202, -1);
          ex.close();
        });
    server.start();
    try {
      int port = server.getAddress().getPort();
      InetAddress loopback = InetAddress.getByName("127.0.0.1");
      PinnedPost.Target t =
          new PinnedPost.Target(URI.create("https://hooks.test:" + port + "/hook"), loopback);
      int status =
          PinnedPost.post(
              t,
              Map.of("CMK-Event-Id", "evt_1"),
              "{\"id\":\"evt_1\"}".getBytes(StandardCharsets.UTF_8),
              Duration.ofSeconds(10),
              PinnedPost.Dialer.PLAIN,
              tls.getSocketFactory());
      assertThat(status).isEqualTo(202);
      assertThat(host.get()).isEqualTo("hooks.test:" + port);
      assertThat(body.get()).isEqualTo("{\"id\":\"evt_1\"}");

      // the same address under another name: its certificate does not match, nothing is sent
      body.set(null);
      PinnedPost.Target other =
          new PinnedPost.Target(URI.create("https://other.test:" + port + "/hook"), loopback);
      assertThatThrownBy(
              () ->
                  PinnedPost.post(
                      other,
                      Map.of(),
                      "{}".getBytes(StandardCharsets.UTF_8),
                      Duration.ofSeconds(10),
                      PinnedPost.Dialer.PLAIN,
                      tls.getSocketFactory()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("other.test");
      assertThat(body.get()).isNull();
    } finally {
      server.stop(0);
    }
  }
}
