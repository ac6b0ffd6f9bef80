package dev.cmk.provider.aws;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A {@code moto_server} subprocess on 127.0.0.1 and a free port, for integration tests. Fails with
 * the install command when moto is missing. Output goes to {@code target/moto-<port>.log}.
 */
final class MotoServer implements AutoCloseable {
  static final String INSTALL_HINT =
      "moto_server was not found on PATH; install it with: pip install 'moto[server]'";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final int port;

  private MotoServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static MotoServer start() throws IOException, InterruptedException {
    String exe = executable().orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
    int port = freePort();
    Path log = Path.of("target", "moto-" + port + ".log");
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(exe, "-H", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    MotoServer server = new MotoServer(p, port);
    server.awaitListening(log);
    return server;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  int port() {
    return port;
  }

  private void awaitListening(Path log) throws IOException {
    try {
      await("moto_server listens on " + port)
          .atMost(START_TIMEOUT)
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !process.isAlive() || listening());
    } catch (ConditionTimeoutException e) {
      close();
      throw new IllegalStateException("moto_server did not listen on port " + port, e);
    }
    if (!process.isAlive()) {
      throw new IllegalStateException(
          "moto_server exited with " + process.exitValue() + ": " + Files.readString(log));
    }
  }

  private boolean listening() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  private static Optional<String> executable() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      File f = new File(dir, "moto_server");
      if (f.canExecute()) {
        return Optional.of(f.getAbsolutePath());
      }
    }
    return Optional.empty();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
