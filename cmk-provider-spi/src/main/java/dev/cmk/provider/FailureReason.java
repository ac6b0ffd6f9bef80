package dev.cmk.provider;

/** Why a provider call failed, in the service's terms. */
public enum FailureReason {
  // refused: the customer's decision or a misconfiguration
  DISABLED,
  PENDING_DELETION,
  NOT_FOUND,
  ACCESS_DENIED,
  INVALID_KEY_USAGE,
  // unavailable: fallback may apply, retries may help
  THROTTLED,
  NETWORK,
  TIMEOUT,
  PROVIDER_ERROR,
  CIRCUIT_OPEN,
  BULKHEAD_FULL,
  // bad ciphertext: tampering or the wrong key/context
  INVALID_CIPHERTEXT
}
