package dev.cmk.provider.oci;

import com.oracle.bmc.http.client.pki.Pem;
import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.Arrays;

/**
 * The platform's OCI API signing key file, checked before the first client is built.
 *
 * <p>A missing, unreadable or malformed file is the operator's configuration error, not an outage:
 * it is reported as refused ({@code ACCESS_DENIED}), so the account's fallback does not hide it.
 * The file is parsed with the SDK's own PEM decoder, so what passes here is what the SDK signs
 * with.
 *
 * <p><b>Security:</b> messages name the file and what is wrong with it, never its content; the
 * decoder's own message and exception are dropped because they may quote the content. The bytes
 * read are wiped after the check.
 */
final class ApiKeyFile {
  static final String UNREADABLE = "ApiKeyUnreadable";
  static final String MALFORMED = "ApiKeyMalformed";

  private ApiKeyFile() {}

  /** Throws {@link KeyRefusedException} unless {@code pem} holds an unencrypted RSA key. */
  static void check(Path pem) {
    byte[] bytes = read(pem);
    try {
      PrivateKey key = decode(bytes, pem);
      if (!(key instanceof RSAPrivateKey)) {
        throw malformed(pem, "holds a " + key.getAlgorithm() + " key; OCI API keys are RSA");
      }
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }
  }

  /** Opens the file for the SDK, with the same refusal as {@link #check} when it cannot. */
  static InputStream open(Path pem) {
    try {
      return Files.newInputStream(pem);
    } catch (IOException e) {
      throw unreadable(pem, e);
    }
  }

  private static byte[] read(Path pem) {
    try {
      return Files.readAllBytes(pem);
    } catch (IOException e) {
      throw unreadable(pem, e);
    }
  }

  private static PrivateKey decode(byte[] bytes, Path pem) {
    try {
      return Pem.decoder().decodePrivateKey(bytes);
    } catch (RuntimeException e) {
      // not chained: the decoder's message may quote the file's content
      throw malformed(
          pem,
          "is not an unencrypted RSA private key in PEM format (PKCS#8 \"BEGIN PRIVATE KEY\" or"
              + " PKCS#1 \"BEGIN RSA PRIVATE KEY\")");
    }
  }

  private static KeyRefusedException unreadable(Path pem, IOException e) {
    return new KeyRefusedException(
        FailureReason.ACCESS_DENIED,
        UNREADABLE,
        "the OCI API key file "
            + pem
            + " cannot be read ("
            + e.getClass().getSimpleName()
            + "); check oci.privateKeyPem and the file's permissions",
        e);
  }

  private static KeyRefusedException malformed(Path pem, String what) {
    return new KeyRefusedException(
        FailureReason.ACCESS_DENIED,
        MALFORMED,
        "the OCI API key file " + pem + " " + what + "; check oci.privateKeyPem");
  }
}
