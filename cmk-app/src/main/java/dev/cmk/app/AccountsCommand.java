package dev.cmk.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmk accounts}: the operator's account commands. */
@Command(
    name = "accounts",
    description = "Create, list, read and change accounts (operator).",
    subcommands = {
      AccountsCommand.Create.class,
      AccountsCommand.ListAccounts.class,
      AccountsCommand.Get.class,
      AccountsCommand.Update.class
    })
final class AccountsCommand {

  /** {@code cmk accounts create}. */
  @Command(name = "create", description = "Create an account.")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--name", required = true)
    String name;

    @Option(names = "--region", description = "data residency (default us-east-1)")
    String region;

    @Option(names = "--fallback", description = "fallback on by default")
    boolean fallback;

    @Option(names = "--drop-calls", description = "end live calls when the key is unavailable")
    boolean dropCalls;

    @Option(names = "--search-encryption", description = "encrypt search data under the key")
    boolean search;

    @Option(names = "--idempotency-key", description = "make a retry return the first answer")
    String idempotencyKey;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      if (region != null) {
        body.put("region", region); // the API refuses an explicit null: leave it out
      }
      body.put("fallbackEnabled", fallback);
      body.put("dropCallsOnKeyUnavailable", dropCalls);
      body.put("searchEncryption", search);
      return api.client(spec)
          .call("POST", "/v1/accounts", "application/json", body, idempotencyKey);
    }
  }

  /** {@code cmk accounts list}. */
  @Command(name = "list", description = "List accounts.")
  static final class ListAccounts implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts", null);
    }
  }

  /** {@code cmk accounts get}. */
  @Command(name = "get", description = "Show an account.")
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0", description = "account id")
    String account;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts/" + account, null);
    }
  }

  /** {@code cmk accounts update}: only the options given change. */
  @Command(name = "update", description = "Change an account's options (operator).")
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Parameters(index = "0", description = "account id")
    String account;

    @Option(names = "--region")
    String region;

    @Option(names = "--fallback", arity = "1", description = "true or false")
    Boolean fallback;

    @Option(names = "--drop-calls", arity = "1", description = "true or false")
    Boolean dropCalls;

    @Option(names = "--search-encryption", arity = "1", description = "true or false")
    Boolean search;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("region", region);
      body.put("fallbackEnabled", fallback);
      body.put("dropCallsOnKeyUnavailable", dropCalls);
      body.put("searchEncryption", search);
      body.values().removeIf(v -> v == null);
      return api.client(spec).call("PATCH", "/v1/accounts/" + account, body);
    }
  }
}
