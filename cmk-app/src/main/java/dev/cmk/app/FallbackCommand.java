package dev.cmk.app;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cmk fallback on|off}: the account admin's fallback switch. {@link SearchEncryption} is the
 * same kind of switch.
 */
@Command(
    name = "fallback",
    description =
        "Turn fallback on or off: with it on, writes go under the platform's backup key while the"
            + " account's key is unavailable, and are re-protected later.")
class FallbackCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ApiClient.Options api;

  @Parameters(index = "0", description = "on or off")
  String state;

  @Option(names = "--account", required = true)
  String account;

  @Option(
      names = "--mode",
      description =
          "fallback only: ANY_REASON (the key unavailable for any reason, the default) or"
              + " OUTAGES_ONLY (a key the customer refuses stops new CMK writes)")
  String mode;

  String option() {
    return "fallback";
  }

  @Override
  public Integer call() {
    if (!state.equals("on") && !state.equals("off")) {
      spec.commandLine().getErr().println("say on or off, not '" + state + "'");
      return 2;
    }
    Map<String, Object> body = new java.util.LinkedHashMap<>();
    body.put("enabled", state.equals("on"));
    if (mode != null) {
      body.put("mode", mode);
    }
    return api.client(spec).call("PUT", "/v1/accounts/" + account + "/" + option(), body);
  }

  /** {@code cmk search-encryption on|off}: re-validates the key (search grant) when turned on. */
  @Command(
      name = "search-encryption",
      description =
          "Turn search-data encryption on or off; turning it on re-validates the key, including"
              + " the search principal's grant, and is refused if that fails.")
  static final class SearchEncryption extends FallbackCommand {
    @Override
    String option() {
      return "search-encryption";
    }
  }
}
