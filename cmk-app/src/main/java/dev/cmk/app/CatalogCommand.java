package dev.cmk.app;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cmk catalog}: the asset catalog. */
@Command(
    name = "catalog",
    description = "List asset types; add one (operator).",
    subcommands = {CatalogCommand.ListTypes.class, CatalogCommand.Add.class})
final class CatalogCommand {

  /** {@code cmk catalog list}. */
  @Command(name = "list", description = "Asset types, service ids and CMK eligibility.")
  static final class ListTypes implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/catalog", null);
    }
  }

  /** {@code cmk catalog add}. */
  @Command(name = "add", description = "Add an asset type with a new, never reused service id.")
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--name", required = true, description = "e.g. video-note")
    String name;

    @Option(names = "--service-id", required = true, description = "four digits, e.g. 0021")
    String serviceId;

    @Option(names = "--service", required = true, description = "the writing service, e.g. chat")
    String service;

    @Option(names = "--description", required = true)
    String description;

    @Option(names = "--not-eligible", description = "always under the platform key")
    boolean notEligible;

    @Option(names = "--organizer-decides", description = "the meeting organizer's license decides")
    boolean organizerDecides;

    @Option(names = "--idempotency-key")
    String idempotencyKey;

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("serviceId", serviceId);
      body.put("service", service);
      body.put("description", description);
      body.put("cmkEligible", !notEligible);
      body.put("organizerDecides", organizerDecides);
      return api.client(spec).call("POST", "/v1/catalog", "application/json", body, idempotencyKey);
    }
  }
}
