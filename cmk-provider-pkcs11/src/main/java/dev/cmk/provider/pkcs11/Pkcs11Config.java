package dev.cmk.provider.pkcs11;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the HSM is and how to log in to it.
 *
 * <p><b>Security:</b> the record holds only where the PIN comes from (a file or an environment
 * variable), never the PIN itself, so printing or logging the configuration is safe. The PIN is
 * read at login and wiped right after.
 *
 * @param library the vendor's PKCS#11 module, e.g. {@code /usr/lib/softhsm/libsofthsm2.so}
 * @param token which token (slot) holds the keys
 * @param pin where the user PIN is read from
 */
public record Pkcs11Config(Path library, TokenSelector token, PinSource pin) {
  public Pkcs11Config {
    Objects.requireNonNull(library, "pkcs11.library must be set");
    Objects.requireNonNull(token, "pkcs11.token must be set (tokenLabel or slot)");
    Objects.requireNonNull(pin, "pkcs11.pin must be set (pinFile or pinEnv)");
  }

  /** How the token is chosen. */
  public sealed interface TokenSelector {
    /**
     * The token whose label is {@code label}; robust against slot renumbering (SoftHSM2 and many
     * network HSMs assign slot ids at run time).
     */
    record ByLabel(String label) implements TokenSelector {
      public ByLabel {
        if (label.isBlank() || label.length() > 32) {
          throw new IllegalArgumentException("pkcs11.tokenLabel must be 1-32 characters");
        }
      }
    }

    /** The token in the slot with this PKCS#11 slot id. */
    record BySlotId(long slotId) implements TokenSelector {
      public BySlotId {
        if (slotId < 0) {
          throw new IllegalArgumentException("pkcs11.slot must not be negative");
        }
      }
    }
  }

  /** Where the user PIN comes from. */
  public sealed interface PinSource {
    /** A file readable only by the service's user; one line, trailing newline ignored. */
    record FromFile(Path file) implements PinSource {
      public FromFile {
        Objects.requireNonNull(file, "pkcs11.pinFile");
      }
    }

    /** An environment variable of the service's process. */
    record FromEnv(String variable) implements PinSource {
      public FromEnv {
        if (variable.isBlank()) {
          throw new IllegalArgumentException("pkcs11.pinEnv must name an environment variable");
        }
      }
    }
  }
}
