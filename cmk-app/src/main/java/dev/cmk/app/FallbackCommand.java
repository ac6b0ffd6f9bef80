package dev.cmk.app;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmk fallback on|off}: the account admin's fallback switch. */
@Command(
    name = "fallback",
    description =
        "Turn fallback on or off: with it on, writes go under the platform's backup key while the"
            + " account's key is unavailable, and are re-protected later.")
final class FallbackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ApiClient.Options api;

  @Parameters(index = "0", description = "on or off")
  String state;

  @Option(names = "--account", required = true)
  String account;

  @Override
  public Integer call() {
    if (!state.equals("on") && !state.equals("off")) {
      spec.commandLine().getErr().println("say on or off, not '" + state + "'");
      return 2;
    }
    return api.client(spec)
        .call(
            "PUT", "/v1/accounts/" + account + "/fallback", Map.of("enabled", state.equals("on")));
  }
}
