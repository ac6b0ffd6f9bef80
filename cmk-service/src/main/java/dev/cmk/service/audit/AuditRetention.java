package dev.cmk.service.audit;

import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * How long audit rows stay in the database before the archiver moves them into archive segments: an
 * ISO-8601 duration ({@code P30D}, {@code PT12H}) or period ({@code P1Y}, {@code P6M}, {@code P2W};
 * months and years counted on the UTC calendar), or {@code off} (keep forever, the default).
 *
 * @param spec the text it was parsed from, e.g. {@code P1Y}
 */
public record AuditRetention(String spec, Optional<Duration> duration, Optional<Period> period) {
  public AuditRetention {
    if (duration.isPresent() == period.isPresent()) {
      throw new IllegalArgumentException("a retention is a duration or a period");
    }
  }

  /**
   * Parses {@code off} (empty) or an ISO-8601 duration or period; anything else, zero or negative
   * is an {@link IllegalArgumentException} whose message says what is accepted.
   */
  public static Optional<AuditRetention> parse(String spec) {
    String s = spec.trim();
    if (s.equalsIgnoreCase("off")) {
      return Optional.empty();
    }
    try {
      Duration d = Duration.parse(s);
      if (d.isNegative() || d.isZero()) {
        throw bad(spec);
      }
      return Optional.of(new AuditRetention(s, Optional.of(d), Optional.empty()));
    } catch (DateTimeParseException e) {
      // not a duration: a period with years, months or weeks?
    }
    try {
      Period p = Period.parse(s);
      if (p.isNegative()
          || p.isZero()
          || p.getYears() < 0
          || p.getMonths() < 0
          || p.getDays() < 0) {
        throw bad(spec);
      }
      return Optional.of(new AuditRetention(s, Optional.empty(), Optional.of(p)));
    } catch (DateTimeParseException e) {
      throw bad(spec);
    }
  }

  private static IllegalArgumentException bad(String spec) {
    return new IllegalArgumentException(
        "must be off or a positive ISO-8601 duration or period such as P365D, P1Y, P6M or PT12H,"
            + " not '"
            + spec
            + "'");
  }

  /** Rows appended before this instant are due for the archive. */
  public Instant cutoff(Instant now) {
    return duration
        .map(now::minus)
        .orElseGet(() -> now.atOffset(ZoneOffset.UTC).minus(period.orElseThrow()).toInstant());
  }

  @Override
  public String toString() {
    return spec;
  }
}
