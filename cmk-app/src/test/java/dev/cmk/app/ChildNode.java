package dev.cmk.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CMK node as a real child process: {@code java -cp <this test's classpath> dev.cmk.app.Cmk serve
 * --config <file>} on a free 127.0.0.1 port. The crash and load-balancer drills kill it with
 * SIGKILL and start it again on the same configuration (same data).
 */
final class ChildNode implements AutoCloseable {
  final Path config;
  final Path log;
  final int port;
  final String operatorToken;
  private final List<String> jvmOptions;
  private Process process;
  private int starts;

  ChildNode(Path config, Path log, int port, String operatorToken, List<String> jvmOptions) {
    this.config = config;
    this.log = log;
    this.port = port;
    this.operatorToken = operatorToken;
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  /** Starts the child and waits until {@code /v1/health} answers 200 (at most 120 s). */
  ChildNode start() throws Exception {
    String javaBin = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(javaBin);
    cmd.add("-Xmx512m");
    cmd.addAll(jvmOptions);
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.cmk.app.Cmk",
            "serve",
            "--config",
            config.toString()));
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("CMK_BOOTSTRAP_OPERATOR_TOKEN", operatorToken);
    Files.writeString(
        log,
        "\n==== start " + (++starts) + "\n",
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    process = pb.start();
    awaitHealthy();
    return this;
  }

  private void awaitHealthy() throws Exception {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "cmk serve exited with " + process.exitValue() + "; see " + log);
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base() + "/v1/health"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // the child JVM is still starting
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("cmk serve did not become healthy in 120 s; see " + log);
  }

  /**
   * SIGKILL: {@link Process#destroyForcibly()} on Linux sends signal 9, which the JVM cannot catch
   * (no shutdown hook, no H2 close, no flush). Returns the exit status, 137 = 128 + SIGKILL.
   */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    return process.exitValue();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** A clean stop (SIGTERM: the shutdown hook closes the node). */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor();
      }
    }
  }
}
