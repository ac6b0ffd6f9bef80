package dev.cmk.blob.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.cmk.service.blob.BlobStoreAccessDeniedException;
import dev.cmk.service.blob.BlobStoreUnavailableException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the store classifies S3's answers, through the real SDK against a local HTTP server that
 * answers every request with one canned S3 error: what moto cannot be made to say.
 */
class S3ErrorsTest {
  private HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();

  private S3BlobStore storeAnswering(int status, String code) throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    server.createContext(
        "/",
        ex -> {
          requests.incrementAndGet();
          ex.getRequestBody().readAllBytes();
          byte[] body =
              ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                      + code
                      + "</Code><Message>canned "
                      + code
                      + "</Message><RequestId>req-1</RequestId></Error>")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().set("Content-Type", "application/xml");
          ex.getResponseHeaders().set("x-amz-request-id", "req-1");
          boolean head = ex.getRequestMethod().equals("HEAD");
          ex.sendResponseHeaders(status, head ? -1 : body.length);
          if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
              out.write(body);
            }
          }
          ex.close();
        });
    server.start();
    URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    return new S3BlobStore(
        S3BlobConfig.of("cmk-blobs", "p", "us-east-1")
            .withEmulator(endpoint, "AKIDTEST", "s3cr3t"));
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void aServerErrorIsUnavailableAfterTheBoundedRetries() throws Exception {
    try (S3BlobStore s = storeAnswering(503, "SlowDown")) {
      assertThatThrownBy(() -> s.put("acct/obj", new byte[] {1}))
          .isInstanceOf(BlobStoreUnavailableException.class)
          .hasMessageContaining("s3://cmk-blobs/p/acct/obj")
          .hasMessageContaining("503 SlowDown")
          .hasMessageNotContaining("s3cr3t");
      assertThat(requests.get()).isEqualTo(3);
    }
  }

  @Test
  void aFiveHundredIsUnavailable() throws Exception {
    try (S3BlobStore s = storeAnswering(500, "InternalError")) {
      assertThatThrownBy(() -> s.get("acct/obj")).isInstanceOf(BlobStoreUnavailableException.class);
    }
  }

  @Test
  void accessDeniedIsItsOwnFamilyAndNotRetried() throws Exception {
    try (S3BlobStore s = storeAnswering(403, "AccessDenied")) {
      assertThatThrownBy(() -> s.put("acct/obj", new byte[] {1}))
          .isInstanceOf(BlobStoreAccessDeniedException.class)
          .hasMessageContaining("403 AccessDenied")
          .hasMessageNotContaining("s3cr3t")
          .satisfies(
              e -> {
                var api = ((BlobStoreAccessDeniedException) e).toServiceError();
                assertThat(api.code().code()).isEqualTo("blob_store_access_denied");
                assertThat(api.getMessage()).doesNotContain("cmk-blobs").doesNotContain("AKID");
              });
      assertThat(requests.get()).isEqualTo(1);
    }
  }

  @Test
  void aMissingKeyIsEmptyButAMissingBucketIsNot() throws Exception {
    try (S3BlobStore s = storeAnswering(404, "NoSuchKey")) {
      assertThat(s.get("acct/obj")).isEmpty();
    }
    stop();
    try (S3BlobStore s = storeAnswering(404, "NoSuchBucket")) {
      assertThatThrownBy(() -> s.get("acct/obj"))
          .isInstanceOf(BlobStoreUnavailableException.class)
          .hasMessageContaining("NoSuchBucket");
    }
  }

  @Test
  void theBucketCheckNamesBucketAndAnswer() throws Exception {
    try (S3BlobStore s = storeAnswering(403, "AccessDenied")) {
      assertThatThrownBy(s::checkBucket)
          .isInstanceOf(BlobStoreAccessDeniedException.class)
          .hasMessageContaining("bucket cmk-blobs in us-east-1 is not usable")
          .hasMessageContaining("403");
    }
  }
}
