package dev.cmk.http;

import java.util.regex.Pattern;

/**
 * The open {@code /metrics} endpoint shows no series that names an account: a tenant's key state or
 * usage is that tenant's business, not anyone's who can reach the port. The rule goes by label
 * name, so a metric added later with an {@code account} (or {@code account_id}, {@code accountId})
 * label is kept off the open endpoint without anyone remembering to; the operator-only {@code
 * /v1/metrics} serves the whole scrape.
 */
final class OpenMetrics {
  private static final Pattern ACCOUNT_LABEL =
      Pattern.compile("[{,]\\s*(account|account_id|accountId|tenant)\\s*=\\s*\"");

  private OpenMetrics() {}

  /** The Prometheus text exposition without samples that carry an account label. */
  static String withoutAccountSeries(String scrape) {
    StringBuilder out = new StringBuilder(scrape.length());
    for (String line : scrape.split("\n")) {
      if (line.startsWith("#") || !ACCOUNT_LABEL.matcher(labels(line)).find()) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  private static String labels(String sample) {
    int open = sample.indexOf('{');
    int close = sample.lastIndexOf('}');
    return open < 0 || close < open ? "" : sample.substring(open, close + 1);
  }
}
