package dev.cmk.service.key;

import dev.cmk.provider.ProviderException;
import dev.cmk.service.key.ValidationReport.Check;
import dev.cmk.service.key.ValidationReport.Outcome;

/** The words of validation: a check's outcome, its evidence and the exact fix for a refusal. */
final class ValidationChecks {
  private ValidationChecks() {}

  static final String NOT_FOUND_FIX =
      "check the key id and that the key exists in that region and account";

  static String evidence(ProviderException e) {
    return e.reason() + " (" + e.providerCode() + "): " + e.getMessage();
  }

  /** The exact fix for a provider refusal of the call that needs {@code permission}. */
  static String fix(ProviderException e, String permission) {
    return switch (e.reason()) {
      case DISABLED -> "enable the key";
      case PENDING_DELETION -> "cancel the key's scheduled deletion, then enable it";
      case NOT_FOUND -> NOT_FOUND_FIX;
      case ACCESS_DENIED ->
          "allow the platform principal "
              + permission
              + " on this key (key policy, IAM policy or role assignment; GET"
              + " /v1/accounts/{accountId}/key-policy prints it)";
      case INVALID_KEY_USAGE -> "use a symmetric ENCRYPT_DECRYPT key";
      case INVALID_CIPHERTEXT -> "the provider did not bind the context: report this fault";
      default -> "the provider could not be reached (" + e.reason() + "); validate again later";
    };
  }

  static Check pass(String name, String evidence) {
    return new Check(name, Outcome.PASS, true, evidence, "");
  }

  static Check advisoryPass(String name, String evidence) {
    return new Check(name, Outcome.PASS, false, evidence, "");
  }

  static Check fail(String name, String evidence, String fix) {
    return new Check(name, Outcome.FAIL, true, evidence, fix);
  }

  static Check skip(String name, String why) {
    return new Check(name, Outcome.SKIPPED, false, why, "");
  }
}
