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

  /**
   * What the benchmark times for sealing: {@link #seal} unless the engine writes to a stream, where
   * the caller owns the destination; stream engines then return their reused in-memory sink instead
   * of copying it into a fresh array (the same for every stream engine).
   */
  default Object sealTimed(byte[] plaintext) throws Exception {
    return seal(plaintext);
  }

  /** What the benchmark times for opening; see {@link #sealTimed}. */
  default Object openTimed(byte[] ciphertext) throws Exception {
    return open(ciphertext);
  }
}
