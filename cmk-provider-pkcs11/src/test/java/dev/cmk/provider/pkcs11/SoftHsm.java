package dev.cmk.provider.pkcs11;

import dev.cmk.provider.pkcs11.Pkcs11Config.PinSource;
import dev.cmk.provider.pkcs11.Pkcs11Config.TokenSelector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A SoftHSM2 installation for the tests: writes the configuration file named by {@code
 * SOFTHSM2_CONF} (set by the failsafe configuration, because SoftHSM2 reads it once per process)
 * and initialises the test tokens with {@code softhsm2-util}, once per JVM.
 */
final class SoftHsm {
  static final String TOKEN = "cmk-test";
  static final String PIN_TEST_TOKEN = "cmk-pin";
  static final String PIN = "2468-user";
  private static final String SO_PIN = "1357-so";
  private static final List<String> LIBRARIES =
      List.of(
          "/usr/lib/softhsm/libsofthsm2.so",
          "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
          "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
          "/usr/lib64/pkcs11/libsofthsm2.so");
  private static SoftHsm instance;

  final Path library;
  final Path dir;

  private SoftHsm(Path library, Path dir) {
    this.library = library;
    this.dir = dir;
  }

  static synchronized SoftHsm get() throws IOException, InterruptedException {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  Pkcs11Config config(String tokenLabel, String pin) throws IOException {
    Path pinFile = Files.createTempFile(dir, "pin", ".txt");
    Files.writeString(pinFile, pin + "\n", StandardCharsets.UTF_8);
    return new Pkcs11Config(
        library, new TokenSelector.ByLabel(tokenLabel), new PinSource.FromFile(pinFile));
  }

  private static SoftHsm start() throws IOException, InterruptedException {
    String conf = System.getenv("SOFTHSM2_CONF");
    if (conf == null) {
      throw new IllegalStateException(
          "SOFTHSM2_CONF is not set: run the *IT tests through failsafe");
    }
    Path library =
        LIBRARIES.stream()
            .map(Path::of)
            .filter(Files::exists)
            .findFirst()
            .orElseThrow(
                () ->
                    new IllegalStateException("SoftHSM2 is missing: apt-get install -y softhsm2"));
    Path dir = Path.of(conf).toAbsolutePath().getParent();
    Path tokens = dir.resolve("tokens");
    deleteTree(tokens);
    Files.createDirectories(tokens);
    Files.writeString(
        Path.of(conf),
        "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");
    initToken(TOKEN);
    initToken(PIN_TEST_TOKEN);
    return new SoftHsm(library, dir);
  }

  private static void initToken(String label) throws IOException, InterruptedException {
    Path log = Files.createTempFile("softhsm2-util", ".log");
    Process p =
        new ProcessBuilder(
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                label,
                "--pin",
                PIN,
                "--so-pin",
                SO_PIN)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("softhsm2-util --init-token did not finish in 30 s");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(
          "softhsm2-util --init-token failed: " + Files.readString(log, StandardCharsets.UTF_8));
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
