package dev.cmk.app;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cmk coverage}: the account's objects and bytes by protection, asset type and key. */
@Command(
    name = "coverage",
    description =
        "Show the coverage report: objects and bytes under the customer's key (CMK), the platform"
            + " key and the backup key (FALLBACK) by asset type and key, what a backfill would"
            + " move, and whether all eligible content is under the customer's key.")
final class CoverageCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ApiClient.Options api;

  @Option(names = "--account", required = true)
  String account;

  @Option(names = "--format", defaultValue = "json", description = "json (default) or csv")
  String format;

  @Override
  public Integer call() {
    if (!format.equals("json") && !format.equals("csv")) {
      spec.commandLine().getErr().println("--format is json or csv, not '" + format + "'");
      return 2;
    }
    return api.client(spec)
        .call("GET", "/v1/accounts/" + account + "/coverage?format=" + format, null);
  }
}
