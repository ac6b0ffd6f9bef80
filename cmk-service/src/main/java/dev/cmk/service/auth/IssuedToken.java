package dev.cmk.service.auth;

/**
 * A freshly created token with its secret, shown exactly once.
 *
 * <p><b>Security:</b> {@code toString} never shows the secret.
 */
public record IssuedToken(ApiToken token, String secret) {
  @Override
  public String toString() {
    return "IssuedToken[" + token + ", secret=redacted]";
  }
}
