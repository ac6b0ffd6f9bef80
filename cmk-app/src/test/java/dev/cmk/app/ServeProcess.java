package dev.cmk.app;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code cmk serve} node: the shaded jar in a child JVM on a free 127.0.0.1 port, with its
 * settings in {@code CMK_*} environment variables, that a test can SIGKILL and start again on the
 * same data directory. Its output goes to {@code out-<n>.log} in the data directory.
 */
final class ServeProcess implements AutoCloseable {
  static final String OPERATOR = "cmk_serve_process_test_operator_token_0123456789";

  private final Path dataDir;
  private final Map<String, String> env;
  private int starts;
  private Process process;
  private int port;

  ServeProcess(Path dataDir, Map<String, String> env) {
    this.dataDir = dataDir;
    this.env = new LinkedHashMap<>(env);
  }

  /** Starts the node and waits until {@code /v1/health} answers 200 (bounded to 90 s). */
  ServeProcess start() throws Exception {
    Path jar = Path.of("target", "cmk.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the shaded jar first (mvn package): " + jar);
    }
    port = freePort();
    starts++;
    ProcessBuilder pb =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m",
                "-jar",
                jar.toString(),
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(dataDir.resolve("out-" + starts + ".log").toFile());
    Map<String, String> e = pb.environment();
    e.put("CMK_SERVER_PORT", Integer.toString(port));
    e.put("CMK_STORAGE_DATA_DIR", dataDir.toString());
    e.put("CMK_LOCAL_KEYSTORE", dataDir.resolve("keys.p12").toString());
    e.put("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR);
    e.putAll(env);
    process = pb.start();
    awaitHealthy();
    return this;
  }

  /** SIGKILL: no shutdown hook runs, as when the host loses the process. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  Path log() {
    return dataDir.resolve("out-" + starts + ".log");
  }

  private void awaitHealthy() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("cmk serve exited early: see " + log());
      }
      try {
        HttpRequest r = HttpRequest.newBuilder(URI.create(base() + "/v1/health")).build();
        if (http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // the child JVM is still starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("cmk serve did not become healthy in 90 s: see " + log());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }
}
