package dev.cmk.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cmk licenses}: the account admin assigns CMK licenses. */
@Command(
    name = "licenses",
    description = "Assign and remove users' CMK licenses, one by one or in bulk.",
    subcommands = {
      LicensesCommand.Set.class,
      LicensesCommand.Remove.class,
      LicensesCommand.ListLicenses.class,
      LicensesCommand.Bulk.class
    })
final class LicensesCommand {

  /** {@code cmk licenses set}. */
  @Command(name = "set", description = "License a user (or unlicense with --off).")
  static final class Set implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--user", required = true)
    String user;

    @Option(names = "--off", description = "remove the license instead")
    boolean off;

    @Override
    public Integer call() {
      return api.client(spec)
          .call(
              "PUT",
              "/v1/accounts/" + account + "/users/" + user + "/license",
              Map.of("cmkLicensed", !off));
    }
  }

  /** {@code cmk licenses remove}. */
  @Command(name = "remove", description = "Remove a user's license.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--user", required = true)
    String user;

    @Override
    public Integer call() {
      return api.client(spec)
          .call("DELETE", "/v1/accounts/" + account + "/users/" + user + "/license", null);
    }
  }

  /** {@code cmk licenses list}. */
  @Command(name = "list", description = "List users and their licenses.")
  static final class ListLicenses implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts/" + account + "/licenses", null);
    }
  }

  /** {@code cmk licenses bulk}: a .csv file (userId,licensed) or a JSON list. */
  @Command(
      name = "bulk",
      description = "Apply a CSV (userId,licensed) or JSON file; prints a result per row.")
  static final class Bulk implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--file", required = true, description = "users.csv or users.json")
    Path file;

    @Override
    public Integer call() throws IOException {
      boolean csv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
      return api.client(spec)
          .call(
              "POST",
              "/v1/accounts/" + account + "/licenses/bulk",
              csv ? "text/csv" : "application/json",
              Files.readString(file),
              null);
    }
  }
}
