package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Every admin action through the {@code cmk} CLI against a running node. */
class CliIT {
  @TempDir static Path dir;
  static TestNode n;
  static Path config;

  @BeforeAll
  static void start() throws Exception {
    n = new TestNode(dir, 1 << 20);
    config = dir.resolve("cmk.yaml");
    Files.writeString(config, "storage:\n  dataDir: " + dir + "\n");
  }

  @AfterAll
  static void stop() {
    n.close();
  }

  /** What one CLI run printed. */
  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return TestNode.JSON.readTree(out);
    }
  }

  static Run cmk(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Cmk());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  static Run api(String token, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--url", n.base, "--token", token));
    return cmk(all.toArray(String[]::new));
  }

  static String secret(Run r) {
    return Arrays.stream(r.out().split("\n"))
        .filter(l -> l.startsWith("cmk_"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void theOperatorAndTheAdminDoEverythingFromTheCli() throws Exception {
    Run op =
        cmk(
            "token",
            "create",
            "--role",
            "operator",
            "--label",
            "cli",
            "--config",
            config.toString());
    assertThat(op.exit()).as(op.err()).isZero();
    assertThat(op.out()).contains("shown once");
    String operator = secret(op);

    Run acct =
        api(operator, "accounts", "create", "--name", "Cli Co", "--idempotency-key", "cli-1");
    assertThat(acct.exit()).as(acct.err()).isZero();
    String a = acct.json().get("id").asText();
    assertThat(
            api(operator, "accounts", "create", "--name", "Cli Co", "--idempotency-key", "cli-1")
                .json()
                .get("id")
                .asText())
        .isEqualTo(a);
    assertThat(
            api(operator, "accounts", "update", a, "--drop-calls", "true")
                .json()
                .get("dropCallsOnKeyUnavailable")
                .asBoolean())
        .isTrue();
    assertThat(api(operator, "accounts", "list").out()).contains(a);

    Run adminRun = api(operator, "token", "create", "--api", "--role", "admin", "--account", a);
    String admin = adminRun.json().get("secret").asText();
    assertThat(api(operator, "token", "list").out()).contains("\"admin\"").doesNotContain(admin);
    assertThat(api(admin, "accounts", "get", a).exit()).isZero();
    Run forbidden = api(admin, "accounts", "list");
    assertThat(forbidden.exit()).isEqualTo(1);
    assertThat(forbidden.err()).contains("403").contains("forbidden");

    n.node.localProvider().orElseThrow().createKey("cli-key");
    Run reg =
        api(admin, "key", "register", "--account", a, "--provider", "local", "--key-id", "cli-key");
    assertThat(reg.exit()).as(reg.err()).isZero();
    String keyId = reg.json().get("key").get("id").asText();
    assertThat(api(admin, "key", "list", "--account", a).out()).contains(keyId);
    assertThat(api(admin, "key", "validate", "--account", a, keyId).out())
        .contains("generate_data_key");
    Run policy =
        api(
            admin,
            "key",
            "policy",
            "--account",
            a,
            "--provider",
            "aws",
            "--search",
            "--aws-account-id",
            "444455556666",
            "--document-only");
    assertThat(policy.exit()).as(policy.err()).isZero();
    assertThat(policy.json().get("Statement").size()).isEqualTo(5);
    Run oci = api(admin, "key", "policy", "--account", a, "--provider", "oci", "--document-only");
    assertThat(oci.out()).startsWith("Define tenancy");

    assertThat(api(admin, "licenses", "set", "--account", a, "--user", "alice").exit()).isZero();
    Path csv = dir.resolve("users.csv");
    Files.writeString(csv, "userId,licensed\nbob,true\ncarol,false\n");
    Run bulk = api(admin, "licenses", "bulk", "--account", a, "--file", csv.toString());
    assertThat(bulk.json().get("applied").asInt()).isEqualTo(2);
    assertThat(api(admin, "licenses", "remove", "--account", a, "--user", "alice").out())
        .contains("false");
    assertThat(api(admin, "licenses", "list", "--account", a).out())
        .contains("bob")
        .contains("carol");

    assertThat(
            api(admin, "fallback", "on", "--account", a).json().get("fallbackEnabled").asBoolean())
        .isTrue();
    assertThat(api(admin, "fallback", "maybe", "--account", a).exit()).isEqualTo(2);
    assertThat(
            api(admin, "fallback", "on", "--account", a, "--mode", "OUTAGES_ONLY")
                .json()
                .get("fallbackMode")
                .asText())
        .isEqualTo("OUTAGES_ONLY");
    Run coverage = api(admin, "coverage", "--account", a);
    assertThat(coverage.exit()).as(coverage.err()).isZero();
    assertThat(coverage.json().get("totals").has("CMK")).isTrue();
    assertThat(coverage.json().has("allEligibleUnderCmk")).isTrue();
    assertThat(api(admin, "coverage", "--account", a, "--format", "csv").out())
        .startsWith("protection,assetType,keyId,objects,bytes");
    assertThat(api(admin, "coverage", "--account", a, "--format", "xml").exit()).isEqualTo(2);
    assertThat(
            api(admin, "search-encryption", "on", "--account", a)
                .json()
                .get("searchEncryption")
                .asBoolean())
        .isTrue();

    assertThat(api(admin, "catalog", "list").out()).contains("meeting-recording");
    Run add =
        api(
            operator,
            "catalog",
            "add",
            "--name",
            "cli-note",
            "--service-id",
            "0200",
            "--service",
            "notes",
            "--description",
            "Notes from the CLI");
    assertThat(add.exit()).as(add.err()).isZero();
    String tokenId = adminRun.json().get("token").get("id").asText();
    assertThat(api(operator, "token", "revoke", tokenId).exit()).isZero();
    assertThat(api(admin, "accounts", "get", a).err()).contains("401");
  }

  @Test
  void anAdminBackfillsFromTheCli() throws Exception {
    String a = n.createAccount("Cli Backfill");
    String admin = n.adminToken(a);
    String service = n.serviceToken(a, List.of("mail"));
    assertThat(
            n.send(
                    service,
                    "PUT",
                    "/v1/accounts/" + a + "/content/mail/early",
                    java.util.Map.of("X-CMK-User", "alice"),
                    "written before enrolment")
                .status())
        .isEqualTo(201);
    n.node.localProvider().orElseThrow().createKey("cli-bf-key");
    assertThat(
            api(
                    admin,
                    "key",
                    "register",
                    "--account",
                    a,
                    "--provider",
                    "local",
                    "--key-id",
                    "cli-bf-key")
                .exit())
        .isZero();
    assertThat(api(admin, "licenses", "set", "--account", a, "--user", "alice").exit()).isZero();

    Run refused = api(admin, "jobs", "backfill", "--account", a, "--mode", "KEK_REWRAP");
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("400").contains("invalid_request");

    Run started = api(admin, "jobs", "backfill", "--account", a, "--mode", "reencrypt");
    assertThat(started.exit()).as(started.err()).isZero();
    JsonNode job = started.json();
    assertThat(job.get("kind").asText()).isEqualTo("BACKFILL");
    assertThat(job.get("mode").asText()).isEqualTo("REENCRYPT");
    assertThat(job.get("total").asLong()).isEqualTo(1);
    String path = "/v1/accounts/" + a + "/jobs/" + job.get("id").asText();
    JsonNode ended =
        await("backfill ends")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> n.send(admin, "GET", path, null).json(),
                j -> !j.get("status").asText().equals("RUNNING"));
    assertThat(ended.get("status").asText()).isEqualTo("SUCCEEDED");

    Run nothing = api(admin, "jobs", "backfill", "--account", a);
    assertThat(nothing.exit()).as("nothing left to move is not a failure").isZero();
    assertThat(nothing.out()).startsWith("nothing to backfill in account " + a);
  }
}
