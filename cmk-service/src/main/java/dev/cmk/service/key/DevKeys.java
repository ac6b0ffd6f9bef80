package dev.cmk.service.key;

/**
 * Development only: makes and switches keys of the node's {@code local} provider, so that someone
 * trying CMK on {@code cmk serve} can register a key and watch a disabled key refuse. Set by the
 * composition root only when the local provider is enabled.
 */
public interface DevKeys {
  /** Creates an AES-256 key {@code name} if there is none (idempotent). */
  void create(String name);

  /** Enables or disables {@code name}, as a customer would in their KMS. */
  void setEnabled(String name, boolean enabled);

  /** Whether a key {@code name} exists. */
  boolean exists(String name);
}
