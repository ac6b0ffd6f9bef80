package dev.cmk.app;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A real {@code cmk serve} node in a child JVM on 127.0.0.1, which a test can SIGKILL and start
 * again on the same configuration (same data). The one launcher of the crash, load-balancer, drill
 * and streaming tests: started from this test's classpath ({@link #fromClasspath}) or from the
 * shaded jar ({@link #fromShadedJar}); configured by a file ({@code --config}) or by {@code CMK_*}
 * environment variables. Every start appends to one log file, after a {@code ==== start n} line.
 */
final class NodeProcess implements AutoCloseable {
  /** The operator token the nodes of the drills and the streaming tests bootstrap with. */
  static final String OPERATOR = "cmk_node_process_test_operator_token_0123456789";

  /** A liveness bound for a start (JVM, H2 or PostgreSQL, Flyway), not a timing. */
  private static final Duration HEALTHY_WITHIN = Duration.ofSeconds(180);

  private final List<String> launch;
  private final String heap;
  private final List<String> jvmOptions;
  private final List<String> serveArgs;
  private final Map<String, String> env;
  private final Path log;
  private final int fixedPort;
  private Process process;
  private int port;
  private int starts;

  private NodeProcess(Builder b) {
    this.launch = List.copyOf(b.launch);
    this.heap = b.heap;
    this.jvmOptions = List.copyOf(b.jvmOptions);
    this.serveArgs = List.copyOf(b.serveArgs);
    this.env = Map.copyOf(b.env);
    this.log = b.log;
    this.fixedPort = b.port;
  }

  /** {@code java -cp <this test's classpath> dev.cmk.app.Cmk serve ...}. */
  static Builder fromClasspath() {
    return new Builder(List.of("-cp", System.getProperty("java.class.path"), "dev.cmk.app.Cmk"));
  }

  /** {@code java -jar target/cmk.jar serve ...}: the artifact operators run. */
  static Builder fromShadedJar() {
    Path jar = Path.of("target", "cmk.jar").toAbsolutePath();
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build the shaded jar first (mvn package): " + jar);
    }
    return new Builder(List.of("-jar", jar.toString()));
  }

  /**
   * The shaded jar on embedded defaults in {@code dataDir} (H2, the local keystore, the {@link
   * #OPERATOR} token), plus {@code env}; its output in {@code dataDir/out.log}.
   */
  static NodeProcess shadedJarIn(Path dataDir, Map<String, String> env) {
    return fromShadedJar().embeddedIn(dataDir).env(env).log(dataDir.resolve("out.log")).build();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Starts the node (again) and waits until {@code /v1/health} answers 200. */
  NodeProcess start() throws Exception {
    port = fixedPort > 0 ? fixedPort : freePort();
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.add("-Xmx" + heap);
    cmd.addAll(jvmOptions);
    cmd.addAll(launch);
    cmd.add("serve");
    cmd.addAll(serveArgs);
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    if (fixedPort == 0) {
      pb.environment().put("CMK_SERVER_PORT", Integer.toString(port));
    }
    pb.environment().putAll(env);
    Files.writeString(
        log,
        "\n==== start " + (++starts) + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    process = pb.start();
    awaitHealthy();
    return this;
  }

  private void awaitHealthy() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest health =
        HttpRequest.newBuilder(URI.create(base() + "/v1/health"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      await("cmk serve on port " + port + " healthy")
          .atMost(HEALTHY_WITHIN)
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(IOException.class) // the child JVM is still starting
          .until(
              () -> {
                if (!process.isAlive()) {
                  throw new IllegalStateException(
                      "cmk serve exited with " + process.exitValue() + "; see " + log);
                }
                return http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode()
                    == 200;
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("cmk serve did not become healthy; see " + log, e);
    }
  }

  int port() {
    return port;
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  Path log() {
    return log;
  }

  /** The running child, e.g. for its CPU time. */
  Process process() {
    return process;
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /**
   * SIGKILL: {@link Process#destroyForcibly()} on Linux sends signal 9, which the JVM cannot catch
   * (no shutdown hook, no H2 close, no flush), as when the host loses the process. Returns the exit
   * status, 137 = 128 + SIGKILL.
   */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor();
    return process.exitValue();
  }

  /** A clean stop (SIGTERM: the shutdown hook closes the node), forced after 30 s. */
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

  static final class Builder {
    private final List<String> launch;
    private String heap = "512m";
    private final List<String> jvmOptions = new ArrayList<>();
    private final List<String> serveArgs = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private Path log;
    private int port;

    private Builder(List<String> launch) {
      this.launch = launch;
    }

    /** The child's maximum heap, e.g. {@code 128m} (default 512m). */
    Builder heap(String heap) {
      this.heap = heap;
      return this;
    }

    Builder jvmOption(String option) {
      jvmOptions.add(option);
      return this;
    }

    /** Arguments after {@code serve}, e.g. {@code --config <file>}. */
    Builder serveArgs(String... args) {
      serveArgs.addAll(List.of(args));
      return this;
    }

    Builder env(String name, String value) {
      env.put(name, value);
      return this;
    }

    Builder env(Map<String, String> values) {
      env.putAll(values);
      return this;
    }

    /** Embedded defaults: data and local keystore in {@code dir}, the {@link #OPERATOR} token. */
    Builder embeddedIn(Path dir) {
      env.put("CMK_STORAGE_DATA_DIR", dir.toString());
      env.put("CMK_LOCAL_KEYSTORE", dir.resolve("keys.p12").toString());
      env.put("CMK_BOOTSTRAP_OPERATOR_TOKEN", OPERATOR);
      return this;
    }

    Builder log(Path file) {
      this.log = file;
      return this;
    }

    /**
     * The port the node's configuration names; without it, each start takes a free port and hands
     * it over in {@code CMK_SERVER_PORT}.
     */
    Builder port(int port) {
      this.port = port;
      return this;
    }

    NodeProcess build() {
      if (log == null) {
        throw new IllegalStateException("a node needs a log file");
      }
      return new NodeProcess(this);
    }
  }
}
