package dev.cmk.provider.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cmk.provider.EncryptionContext;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRef;
import dev.cmk.provider.KeyRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broken API key file is the operator's configuration error: refused (no fallback), naming the
 * file, never quoting it. None of these cases reaches the network: the file is checked first.
 */
class ApiKeyFileTest {
  private static final KeyRef KEY =
      KeyRef.of(
          "oci", "ocid1.key.oc1.iad.v.k;crypto=https://v-crypto.kms.us-ashburn-1.oraclecloud.com");

  @TempDir static Path dir;
  private static OciTestKeys keys;

  @BeforeAll
  static void keys() throws Exception {
    keys = OciTestKeys.create(dir);
  }

  @Test
  void aMissingFileIsRefusedNamingThePath() {
    Path missing = dir.resolve("missing.pem");
    assertRefused(missing, ApiKeyFile.UNREADABLE).hasMessageContaining("cannot be read");
  }

  @Test
  void aDirectoryInsteadOfAFileIsRefusedNotANetworkError() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("api-key-dir"));
    assertRefused(folder, ApiKeyFile.UNREADABLE);
  }

  @Test
  void aMalformedPemIsRefusedWithoutQuotingIt() throws Exception {
    String body = "U0VDUkVULUtFWS1DT05URU5U!!not-base64";
    Path garbage = pem("garbage.pem", "PRIVATE KEY", body);
    assertRefused(garbage, ApiKeyFile.MALFORMED)
        .hasMessageContaining("is not an unencrypted RSA private key in PEM format")
        .hasMessageNotContaining(body)
        .hasMessageNotContaining("U0VDUkVU");
  }

  @Test
  void aTruncatedKeyIsRefusedWithoutQuotingAnyOfIt() throws Exception {
    byte[] der = keys.pair().getPrivate().getEncoded();
    String body = Base64.getEncoder().encodeToString(Arrays.copyOf(der, der.length / 2));
    Path truncated = pem("truncated.pem", "PRIVATE KEY", body);
    assertRefused(truncated, ApiKeyFile.MALFORMED)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(body.substring(40, 72)))
        .satisfies(e -> assertThat(e.getCause()).isNull());
  }

  @Test
  void aFileWithoutPemArmourIsRefused() throws Exception {
    Path text = Files.writeString(dir.resolve("notes.txt"), "tenancy=ocid1.tenancy.oc1..x\n");
    assertRefused(text, ApiKeyFile.MALFORMED);
  }

  @Test
  void wellFormedPkcs8AndPkcs1KeysPass() throws Exception {
    assertThatCode(() -> ApiKeyFile.check(keys.pem())).doesNotThrowAnyException();
    // PKCS#1 is the PKCS#8 body without its 26-byte header (2048-bit RSA)
    byte[] der = keys.pair().getPrivate().getEncoded();
    byte[] pkcs1 = Arrays.copyOfRange(der, 26, der.length);
    Path rsa = pem("pkcs1.pem", "RSA PRIVATE KEY", Base64.getMimeEncoder().encodeToString(pkcs1));
    assertThatCode(() -> ApiKeyFile.check(rsa)).doesNotThrowAnyException();
  }

  private static Path pem(String name, String type, String body) throws Exception {
    return Files.writeString(
        dir.resolve(name),
        "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n");
  }

  private static org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      Path pem, String code) {
    OciConfig config = OciConfig.of(OciTestKeys.TENANCY, OciTestKeys.USER, keys.fingerprint(), pem);
    try (OciKeyProvider provider = new OciKeyProvider(config)) {
      return assertThatThrownBy(
              () ->
                  provider.generateDataKey(
                      KEY, EncryptionContext.forKek("cmk-test", "acct-1", "0001", "kek", "kek-1")))
          .isInstanceOfSatisfying(
              KeyRefusedException.class,
              e -> {
                assertThat(e.reason()).isEqualTo(FailureReason.ACCESS_DENIED);
                assertThat(e.providerCode()).isEqualTo(code);
              })
          .hasMessageContaining(pem.toString());
    }
  }
}
