package dev.cmk.provider.azure;

import dev.cmk.provider.azure.AzureConfig.SecretSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Reads the client secret from its source at start-up.
 *
 * <p><b>Security:</b> messages name the source, never the secret.
 */
final class SecretReader {
  private SecretReader() {}

  static String read(SecretSource source) {
    String secret;
    if (source instanceof SecretSource.FromFile f) {
      try {
        secret = Files.readString(f.file(), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "azure.clientSecretFile "
                + f.file()
                + " cannot be read: "
                + e.getClass().getSimpleName());
      }
    } else {
      String name = ((SecretSource.FromEnv) source).variable();
      secret = System.getenv(name);
      if (secret == null) {
        throw new IllegalArgumentException("azure.clientSecretEnv " + name + " is not set");
      }
    }
    if (secret.isEmpty()) {
      throw new IllegalArgumentException("the Azure client secret is empty");
    }
    return secret;
  }
}
