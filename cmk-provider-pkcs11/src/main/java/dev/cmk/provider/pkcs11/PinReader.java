package dev.cmk.provider.pkcs11;

import dev.cmk.provider.FailureReason;
import dev.cmk.provider.KeyRefusedException;
import dev.cmk.provider.pkcs11.Pkcs11Config.PinSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Reads the user PIN from its source when the token is opened.
 *
 * <p><b>Security:</b> returns a fresh {@code char[]} the caller wipes; messages name the source,
 * never its content.
 */
final class PinReader {
  private final UnaryOperator<String> environment;

  PinReader(UnaryOperator<String> environment) {
    this.environment = environment;
  }

  char[] read(PinSource source) {
    char[] pin =
        source instanceof PinSource.FromFile f ? fromFile(f) : fromEnv((PinSource.FromEnv) source);
    if (pin.length == 0) {
      throw refused("the PIN from " + describe(source) + " is empty");
    }
    return pin;
  }

  private static char[] fromFile(PinSource.FromFile f) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(f.file());
    } catch (IOException e) {
      throw refused("cannot read the PIN file " + f.file() + ": " + e.getClass().getSimpleName());
    }
    try {
      CharBuffer chars = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(raw));
      int end = chars.limit();
      while (end > 0 && (chars.get(end - 1) == '\n' || chars.get(end - 1) == '\r')) {
        end--;
      }
      char[] pin = new char[end];
      chars.get(pin, 0, end);
      Arrays.fill(chars.array(), '\0');
      return pin;
    } finally {
      Arrays.fill(raw, (byte) 0);
    }
  }

  private char[] fromEnv(PinSource.FromEnv e) {
    String value = environment.apply(e.variable());
    if (value == null) {
      throw refused("the PIN environment variable " + e.variable() + " is not set");
    }
    return value.toCharArray();
  }

  private static String describe(PinSource source) {
    return source instanceof PinSource.FromFile f
        ? "file " + f.file()
        : "environment variable " + ((PinSource.FromEnv) source).variable();
  }

  private static KeyRefusedException refused(String message) {
    return new KeyRefusedException(FailureReason.ACCESS_DENIED, "PinUnavailable", message);
  }
}
