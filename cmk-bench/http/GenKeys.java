import java.io.FileOutputStream;
import java.security.KeyStore;
import java.security.SecureRandom;
import javax.crypto.spec.SecretKeySpec;

/**
 * Makes the benchmark's customer keys in one JVM (keytool takes one JVM per key): a PKCS#12 file
 * with AES-256 keys bench-0 … bench-(n-1), the format the `local` provider reads. Run with the
 * source launcher: {@code java GenKeys.java FILE N PASSWORD}.
 */
public class GenKeys {
  public static void main(String[] args) throws Exception {
    char[] password = args[2].toCharArray();
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, password);
    SecureRandom random = new SecureRandom();
    for (int i = 0; i < Integer.parseInt(args[1]); i++) {
      byte[] raw = new byte[32];
      random.nextBytes(raw);
      ks.setEntry(
          "bench-" + i,
          new KeyStore.SecretKeyEntry(new SecretKeySpec(raw, "AES")),
          new KeyStore.PasswordProtection(password));
    }
    try (FileOutputStream out = new FileOutputStream(args[0])) {
      ks.store(out, password);
    }
  }
}
