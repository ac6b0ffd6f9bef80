package dev.cmk.http.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.cmk.service.coverage.CoverageService;
import dev.cmk.service.coverage.CoverageStore.Count;
import dev.cmk.service.kek.Protection;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * GET /v1/accounts/{accountId}/coverage. Field names are a public contract (the console codes
 * against them); add fields, never rename or remove them within v1.
 */
public final class CoverageModel {
  private CoverageModel() {}

  /**
   * The report: {@code rows} by protection (CMK, PLATFORM, FALLBACK) × asset type × key
   * registration ({@code keyId} null for PLATFORM and FALLBACK), {@code totals} for each
   * protection, {@code backfillable} what a backfill would move, and {@code allEligibleUnderCmk}.
   */
  public record CoverageView(
      String accountId,
      Instant generatedAt,
      List<RowView> rows,
      Map<String, CountView> totals,
      CountView backfillable,
      boolean allEligibleUnderCmk) {
    public static CoverageView of(CoverageService.Report r) {
      Map<String, CountView> totals = new LinkedHashMap<>();
      for (Protection p : Protection.values()) {
        // the report holds every protection, zero when none
        totals.put(p.name(), CountView.of(Objects.requireNonNull(r.totals().get(p), p.name())));
      }
      return new CoverageView(
          r.accountId(),
          r.generatedAt(),
          r.rows().stream()
              .map(
                  x ->
                      new RowView(
                          x.protection().name(), x.assetType(), x.keyId(), x.objects(), x.bytes()))
              .toList(),
          totals,
          CountView.of(r.backfillable()),
          r.allEligibleUnderCmk());
    }
  }

  /** One row of the report. */
  public record RowView(
      String protection,
      String assetType,
      @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String keyId,
      long objects,
      long bytes) {}

  /** Objects and bytes. */
  public record CountView(long objects, long bytes) {
    static CountView of(Count c) {
      return new CountView(c.objects(), c.bytes());
    }
  }
}
