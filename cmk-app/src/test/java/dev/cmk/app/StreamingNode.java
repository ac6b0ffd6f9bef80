package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cmk serve} in a child JVM with a small heap (this JVM's classpath, embedded defaults in
 * {@code dir}), its GC log in {@code dir/gc.log} for the peak heap, its output in {@code
 * dir/out.log}. For the streaming IT and benchmark: the heap limit is the point.
 */
final class StreamingNode implements AutoCloseable {
  static final String OPERATOR = NodeProcess.OPERATOR;
  static final ObjectMapper JSON = new ObjectMapper();
  final Path dir;
  final String base;
  final NodeProcess process;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  StreamingNode(Path dir, String heap, long maxContentBytes) throws Exception {
    this.dir = dir;
    this.process =
        NodeProcess.fromClasspath()
            .heap(heap)
            .jvmOption("-Xlog:gc:file=" + dir.resolve("gc.log"))
            .env("CMK_STORAGE_DATA_DIR", dir.resolve("data").toString())
            .env("CMK_LOCAL_KEYSTORE", dir.resolve("keys.p12").toString())
            .env("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR)
            .env("CMK_MAX_CONTENT_BYTES", Long.toString(maxContentBytes))
            .log(dir.resolve("out.log"))
            .build()
            .start();
    this.base = process.base();
  }

  String log() throws IOException {
    return Files.readString(dir.resolve("out.log"));
  }

  HttpResponse<String> send(String token, String method, String path, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode json(HttpResponse<String> r) throws IOException {
    return JSON.readTree(r.body());
  }

  JsonNode json(String body) throws IOException {
    return JSON.readTree(body);
  }

  /** An account, with a service token for mail; returns {account, token}. */
  String[] accountWithMailToken(String name) throws Exception {
    String account =
        json(send(OPERATOR, "POST", "/v1/accounts", "{\"name\":\"" + name + "\"}"))
            .get("id")
            .asText();
    String token =
        json(send(
                OPERATOR,
                "POST",
                "/v1/tokens",
                "{\"role\":\"service\",\"accountId\":\"" + account + "\",\"services\":[\"mail\"]}"))
            .get("secret")
            .asText();
    return new String[] {account, token};
  }

  /** Uploads {@code length} bytes of {@link Pattern} content; returns the response. */
  HttpResponse<String> upload(String token, String path, long length, boolean declareLength)
      throws Exception {
    HttpRequest.BodyPublisher body =
        declareLength
            ? HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> Content.stream(length)), length)
            : HttpRequest.BodyPublishers.ofInputStream(() -> Content.stream(length));
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofMinutes(10))
            .header("Authorization", "Bearer " + token)
            .header("X-CMK-User", "alice")
            .header("Content-Type", "application/octet-stream")
            .PUT(body)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Downloads and compares with the expected content as it arrives; returns the bytes read. */
  long downloadAndVerify(String token, String path, long length) throws Exception {
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(10))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    if (r.statusCode() != 200) {
      throw new AssertionError("download " + path + ": " + r.statusCode());
    }
    try (InputStream in = r.body()) {
      return Content.verify(in, length);
    }
  }

  /** The largest heap in use before a collection, from the GC log (MB). */
  long peakHeapMb() throws IOException {
    Matcher m =
        Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)")
            .matcher(Files.readString(dir.resolve("gc.log")));
    long peak = 0;
    while (m.find()) {
      peak = Math.max(peak, Long.parseLong(m.group(1)));
    }
    return peak;
  }

  /** CPU time the node's process has used so far, in seconds (all its threads). */
  double cpuSeconds() {
    return process
        .process()
        .info()
        .totalCpuDuration()
        .map(d -> d.toNanos() / 1e9)
        .orElse(Double.NaN);
  }

  /** A metric's value from /metrics (0 when absent). */
  double metric(String name) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : text.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  @Override
  public void close() throws Exception {
    process.close();
  }

  /**
   * Test content, any length, generated and checked as it streams: a random 1 MiB block repeated,
   * each MiB stamped with its index, so misplaced, repeated or dropped MiBs are caught.
   */
  static final class Content {
    private static final byte[] BLOCK = new byte[1 << 20];

    static {
      new java.util.Random(15).nextBytes(BLOCK);
    }

    private Content() {}

    static void fill(byte[] b, int off, int len, long pos) {
      for (int i = 0; i < len; ) {
        long p = pos + i;
        int inBlock = (int) (p & (BLOCK.length - 1));
        int n = Math.min(len - i, BLOCK.length - inBlock);
        System.arraycopy(BLOCK, inBlock, b, off + i, n);
        // stamp the MiB's index into its first 8 bytes
        for (int k = inBlock; k < 8 && k < inBlock + n; k++) {
          b[off + i + (k - inBlock)] = (byte) ((p >>> 20) >>> (8 * k));
        }
        i += n;
      }
    }

    static InputStream stream(long length) {
      return new InputStream() {
        long pos;

        @Override
        public int read() {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          if (pos >= length) {
            return -1;
          }
          int n = (int) Math.min(len, length - pos);
          fill(b, off, n, pos);
          pos += n;
          return n;
        }
      };
    }

    static long verify(InputStream in, long length) throws IOException {
      byte[] got = new byte[256 * 1024];
      byte[] want = new byte[got.length];
      long pos = 0;
      for (int n; (n = in.read(got)) >= 0; ) {
        if (pos + n > length) {
          throw new AssertionError("more than " + length + " bytes");
        }
        fill(want, 0, n, pos);
        if (java.util.Arrays.mismatch(got, 0, n, want, 0, n) >= 0) {
          throw new AssertionError("content differs near byte " + pos);
        }
        pos += n;
      }
      if (pos != length) {
        throw new AssertionError("got " + pos + " of " + length + " bytes");
      }
      return pos;
    }
  }
}
