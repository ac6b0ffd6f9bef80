package dev.cmk.bench;

/**
 * One way of encrypting content that the benchmark compares: a whole message in, a whole message
 * out, so every engine does the same work (stream engines read from and write to memory).
 */
public interface Engine {
  /** A short name used in reports. */
  String name();

  byte[] seal(byte[] plaintext) throws Exception;

  byte[] open(byte[] ciphertext) throws Exception;
}
