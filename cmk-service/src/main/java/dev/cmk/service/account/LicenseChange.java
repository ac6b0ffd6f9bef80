package dev.cmk.service.account;

import java.util.Optional;

/**
 * One row of a bulk license change: a user and the license they should hold. A row that could not
 * be read carries the problem instead.
 *
 * @param row 1-based row number in the submitted list or file
 */
public record LicenseChange(
    int row, String userId, Optional<Boolean> cmkLicensed, Optional<String> problem) {

  public static LicenseChange of(int row, String userId, boolean licensed) {
    return new LicenseChange(row, userId, Optional.of(licensed), Optional.empty());
  }

  public static LicenseChange unreadable(int row, String userId, String problem) {
    return new LicenseChange(row, userId, Optional.empty(), Optional.of(problem));
  }

  /** The outcome of one row: {@code ok}, or an error code and message. */
  public record Result(int row, String userId, boolean ok, String code, String message) {}
}
