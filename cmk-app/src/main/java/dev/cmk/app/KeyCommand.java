package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cmk key}: the account admin's key onboarding commands. */
@Command(
    name = "key",
    description = "Register, list and validate the account's key; print its key-policy template.",
    subcommands = {
      KeyCommand.Register.class,
      KeyCommand.ListKeys.class,
      KeyCommand.Validate.class,
      KeyCommand.Policy.class,
      KeyCommand.Dependents.class,
      KeyCommand.Delete.class
    })
final class KeyCommand {

  /** {@code cmk key register}. */
  @Command(name = "register", description = "Register and validate a key; active if it passes.")
  static final class Register implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--provider", required = true, description = "aws, azure, oci, local…")
    String provider;

    @Option(names = "--key-id", required = true, description = "ARN, key URL, OCID or alias")
    String keyId;

    @Option(names = "--replica", description = "a replica key id (repeatable)")
    List<String> replicas = new ArrayList<>();

    @Override
    public Integer call() {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("provider", provider);
      body.put("keyId", keyId);
      body.put("replicaKeyIds", replicas);
      return api.client(spec).call("PUT", "/v1/accounts/" + account + "/key", body);
    }
  }

  /** {@code cmk key list}. */
  @Command(name = "list", description = "List the account's key registrations.")
  static final class ListKeys implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Override
    public Integer call() {
      return api.client(spec).call("GET", "/v1/accounts/" + account + "/keys", null);
    }
  }

  /** {@code cmk key validate}. */
  @Command(name = "validate", description = "Validate a registered key again and print the report.")
  static final class Validate implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Parameters(index = "0", description = "key registration id (key_…)")
    String keyId;

    @Override
    public Integer call() {
      return api.client(spec)
          .call("POST", "/v1/accounts/" + account + "/keys/" + keyId + "/validate", null);
    }
  }

  /** {@code cmk key dependents}: what still depends on a registration. */
  @Command(
      name = "dependents",
      description =
          "Show what still depends on a key registration: KEKs, objects, bytes, search grants,"
              + " live sessions.")
  static final class Dependents implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Parameters(index = "0", description = "key registration id (key_…)")
    String keyId;

    @Override
    public Integer call() {
      return api.client(spec)
          .call("GET", "/v1/accounts/" + account + "/keys/" + keyId + "/dependents", null);
    }
  }

  /** {@code cmk key delete}: refused (key_in_use) while it protects content, unless --force. */
  @Command(
      name = "delete",
      description =
          "Delete a key registration; refused while it is active or protects content unless"
              + " --force (audited).")
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--force", description = "delete even though content still depends on it")
    boolean force;

    @Parameters(index = "0", description = "key registration id (key_…)")
    String keyId;

    @Override
    public Integer call() {
      return api.client(spec)
          .call(
              "DELETE",
              "/v1/accounts/" + account + "/keys/" + keyId + (force ? "?force=true" : ""),
              null);
    }
  }

  /** {@code cmk key policy}: the template, or with --document-only just what to paste. */
  @Command(name = "policy", description = "Print the key policy to set at the provider.")
  static final class Policy implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true)
    String account;

    @Option(names = "--provider", description = "aws, azure or oci (default: the active key's)")
    String provider;

    @Option(
        names = "--search",
        arity = "0..1",
        fallbackValue = "true",
        description = "include the search principal")
    Boolean search;

    @Option(names = "--multi-region", arity = "0..1", fallbackValue = "true")
    Boolean multiRegion;

    @Option(names = "--aws-account-id", description = "your 12-digit AWS account id")
    String awsAccountId;

    @Option(
        names = "--document-only",
        description = "print only the policy document (AWS/Azure) or statements (OCI)")
    boolean documentOnly;

    @Override
    public Integer call() throws IOException, InterruptedException {
      StringBuilder q = new StringBuilder();
      param(q, "provider", provider);
      param(q, "search", search);
      param(q, "multiRegion", multiRegion);
      param(q, "awsAccountId", awsAccountId);
      String path = "/v1/accounts/" + account + "/key-policy" + q;
      ApiClient client = api.client(spec);
      if (!documentOnly) {
        return client.call("GET", path, null);
      }
      HttpResponse<String> r = client.send("GET", path, null, null, null);
      if (r.statusCode() != 200) {
        return client.call("GET", path, null);
      }
      JsonNode t = ApiClient.JSON.readTree(r.body());
      var out = spec.commandLine().getOut();
      if (t.get("statements").isEmpty()) {
        out.println(ApiClient.JSON.writeValueAsString(t.get("document")));
      } else {
        t.get("statements").forEach(s -> out.println(s.asText()));
      }
      out.flush();
      return 0;
    }

    private static void param(StringBuilder q, String name, Object value) {
      if (value != null) {
        q.append(q.length() == 0 ? '?' : '&')
            .append(name)
            .append('=')
            .append(URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
      }
    }
  }
}
