package dev.cmk.service.kek;

/** Which root key protects a KEK, and so the content under it. */
public enum Protection {
  /** The customer's own key. */
  CMK,
  /** The platform key: unlicensed users and ineligible assets. */
  PLATFORM,
  /** The platform's backup key, while the customer's key was unavailable and fallback was on. */
  FALLBACK
}
