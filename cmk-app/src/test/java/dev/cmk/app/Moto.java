package dev.cmk.app;

import static org.awaitility.Awaitility.await;

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
import software.amazon.awssdk.services.kms.KmsClient;

/** A {@code moto_server} (AWS KMS emulator) subprocess on 127.0.0.1 for app-level tests. */
final class Moto implements AutoCloseable {
  final Process process;
  final int port;

  private Moto(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static Moto start() throws IOException, InterruptedException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path log = Path.of("target", "moto-" + port + ".log");
    Files.createDirectories(log.getParent());
    Process p;
    try {
      p =
          new ProcessBuilder("moto_server", "-H", "127.0.0.1", "-p", Integer.toString(port))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("moto_server not found: pip install 'moto[server]'", e);
    }
    try {
      await("moto_server listens on " + port)
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> listening(port));
    } catch (ConditionTimeoutException e) {
      p.destroyForcibly();
      throw new IllegalStateException("moto_server did not start: see " + log, e);
    }
    return new Moto(p, port);
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

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** An SDK client for arranging keys in the emulator (the product code never uses this). */
  KmsClient kms(String region) {
    return KmsClient.builder()
        .endpointOverride(URI.create(endpoint()))
        .region(Region.of(region))
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  /** A node config with the AWS provider pointed at this emulator. */
  CmkConfig nodeConfig(Path dir, long maxContentBytes) {
    return nodeConfig(dir, maxContentBytes, endpoint());
  }

  /** A node config with the AWS provider pointed at {@code endpoint} (a proxy in front of moto). */
  static CmkConfig nodeConfig(Path dir, long maxContentBytes, String endpoint) {
    CmkConfig e = CmkConfig.embeddedIn(dir, maxContentBytes);
    var p = e.providers();
    var a = p.aws();
    var aws = new CmkConfig.Aws(true, endpoint, "us-east-1", "", "test", "test", a.callTimeout());
    return new CmkConfig(
        e.platformName(),
        e.server(),
        e.storage(),
        e.keys(),
        e.local(),
        e.kekCache(),
        e.maxContentBytes(),
        new CmkConfig.Providers(p.resilience(), aws, p.azure(), p.oci(), p.pkcs11()),
        e.principals(),
        e.availability(),
        e.crypto(),
        e.audit());
  }

  @Override
  public void close() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
