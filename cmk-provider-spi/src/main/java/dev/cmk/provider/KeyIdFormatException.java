package dev.cmk.provider;

import java.util.Objects;

/**
 * A key id that the provider can never accept: says what was wrong and what a right one looks like.
 * Raised before any network call.
 */
public final class KeyIdFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String expected;

  public KeyIdFormatException(String problem, String expected) {
    super(problem + "; expected " + expected);
    this.expected = expected;
  }

  /** Never null: the constructor builds it. */
  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage());
  }

  public String expected() {
    return expected;
  }
}
