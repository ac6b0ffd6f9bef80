package dev.cmk.blob.s3;

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
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A {@code moto_server} subprocess on 127.0.0.1 and a free port (the way cmk-provider-aws's ITs run
 * it), plus an SDK client for arranging buckets. Output goes to {@code target/moto-<port>.log}.
 */
final class MotoS3 implements AutoCloseable {
  static final String REGION = "us-east-1";
  private final Process process;
  private final int port;
  final S3Client admin;

  private MotoS3(Process process, int port) {
    this.process = process;
    this.port = port;
    this.admin =
        S3Client.builder()
            .endpointOverride(endpoint())
            .forcePathStyle(true)
            .region(Region.of(REGION))
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .httpClient(UrlConnectionHttpClient.create())
            .build();
  }

  static MotoS3 start() throws IOException, InterruptedException {
    String exe = onPath("moto_server");
    int port = freePort();
    Path log = Path.of("target", "moto-" + port + ".log");
    Files.createDirectories(log.getParent());
    Process p =
        new ProcessBuilder(exe, "-H", "127.0.0.1", "-p", Integer.toString(port))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      await("moto_server listens on " + port)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> !p.isAlive() || listening(port));
    } catch (ConditionTimeoutException e) {
      p.destroyForcibly();
      throw new IllegalStateException("moto_server did not listen on port " + port, e);
    }
    if (!p.isAlive()) {
      throw new IllegalStateException("moto_server exited: " + Files.readString(log));
    }
    return new MotoS3(p, port);
  }

  /** Whether something accepts connections on {@code port} of this machine. */
  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException notYet) {
      return false;
    }
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /** A new bucket with a name no other run uses. */
  String newBucket(String prefix) {
    String name = prefix + "-" + Long.toHexString(System.nanoTime());
    admin.createBucket(b -> b.bucket(name));
    return name;
  }

  /** A store configuration for {@code bucket} on this moto, short timeouts. */
  S3BlobConfig config(String bucket, String prefix) {
    return S3BlobConfig.of(bucket, prefix, REGION).withEmulator(endpoint(), "test", "test");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static String onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      File f = new File(dir, name);
      if (f.canExecute()) {
        return f.getAbsolutePath();
      }
    }
    throw new IllegalStateException(
        name + " was not found on PATH; install it with: pip install 'moto[server]'");
  }

  @Override
  public void close() {
    admin.close();
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
