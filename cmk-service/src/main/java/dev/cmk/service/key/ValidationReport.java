package dev.cmk.service.key;

import java.util.List;

/** The result of validating a customer key: every check, what it saw and how to fix a failure. */
public record ValidationReport(List<Check> checks) {
  public ValidationReport {
    checks = List.copyOf(checks);
  }

  /** Result of one check. */
  public enum Outcome {
    PASS,
    FAIL,
    SKIPPED
  }

  /**
   * One check.
   *
   * @param name stable check name, e.g. {@code round_trip}
   * @param required whether a failure keeps the key from becoming active
   * @param evidence what was observed (provider error code, region seen…)
   * @param fix what the admin must do when it failed; empty when it passed
   */
  public record Check(
      String name, Outcome outcome, boolean required, String evidence, String fix) {}

  public boolean passed() {
    return checks.stream().noneMatch(c -> c.required() && c.outcome() == Outcome.FAIL);
  }
}
