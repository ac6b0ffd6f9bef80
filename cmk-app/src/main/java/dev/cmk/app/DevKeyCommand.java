package dev.cmk.app;

import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cmk dev-key}: development only. Creates, disables and enables keys of the running node's
 * {@code local} provider through the API (the node holds the keystore), so a newcomer on {@code cmk
 * serve} can register a key and watch a disabled key refuse. The node refuses (409 {@code
 * local_provider_disabled}) unless the local provider is enabled; operator token.
 */
@Command(
    name = "dev-key",
    description =
        "Development only: create, disable or enable a key of the node's local provider (refused"
            + " unless local.enabled).",
    subcommands = {
      DevKeyCommand.Create.class,
      DevKeyCommand.Disable.class,
      DevKeyCommand.Enable.class
    })
final class DevKeyCommand {

  /** {@code cmk dev-key create NAME}. */
  @Command(name = "create", description = "Create an AES-256 key NAME in the local keystore.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0", description = "key name: letters, digits, - and _ (1-64)")
    String name;

    @Override
    public Integer call() {
      return api.client(spec).call("POST", "/v1/dev/local-keys", Map.of("name", name));
    }
  }

  /** {@code cmk dev-key disable NAME}: what a customer does in their KMS console. */
  @Command(name = "disable", description = "Disable local key NAME (content under it is refused).")
  static final class Disable implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0")
    String name;

    @Override
    public Integer call() {
      return api.client(spec)
          .call("PUT", "/v1/dev/local-keys/" + name + "/enabled", Map.of("enabled", false));
    }
  }

  /** {@code cmk dev-key enable NAME}. */
  @Command(name = "enable", description = "Enable local key NAME again.")
  static final class Enable implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0")
    String name;

    @Override
    public Integer call() {
      return api.client(spec)
          .call("PUT", "/v1/dev/local-keys/" + name + "/enabled", Map.of("enabled", true));
    }
  }
}
