package dev.cmk.provider.testkit.kms;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;

/**
 * Sends a KMS call on to the emulator ({@code moto_server}) unchanged, minus the hop-by-hop
 * headers, and turns a failure to reach it into the answer AWS gives when KMS fails (HTTP 500
 * {@code KMSInternalException}).
 */
final class KmsForwarder {
  private static final Set<String> HOP_HEADERS =
      Set.of("host", "content-length", "connection", "expect", "upgrade", "transfer-encoding");

  private final URI target;
  private final ObjectMapper json;
  private final HttpClient upstream =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  KmsForwarder(URI target, ObjectMapper json) {
    this.target = target;
    this.json = json;
  }

  KmsFaultProxy.Answer forward(HttpWire.Request req) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(target.resolve(req.path()))
            .timeout(Duration.ofSeconds(30))
            .method(req.method(), HttpRequest.BodyPublishers.ofByteArray(req.body()));
    req.headers()
        .forEach(
            (name, value) -> {
              if (!HOP_HEADERS.contains(name)) {
                b.header(name, value);
              }
            });
    try {
      HttpResponse<byte[]> r = upstream.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new KmsFaultProxy.Answer(r.statusCode(), r.body());
    } catch (IOException e) {
      return KmsFaultProxy.awsError(
          json, 500, "KMSInternalException", "proxy: moto unreachable: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return KmsFaultProxy.awsError(json, 500, "KMSInternalException", "proxy: interrupted");
    }
  }
}
