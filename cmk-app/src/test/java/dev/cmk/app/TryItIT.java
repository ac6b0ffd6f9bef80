package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cmk.app.TestNode.Res;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's "Try it on cmk serve", step by step, on a node with the embedded defaults: the CLI
 * commands as written (run in-process against the node), the curl steps as the same HTTP calls.
 */
class TryItIT {
  @TempDir Path dir;

  record Run(int exit, String out, String err) {
    JsonNode json() throws Exception {
      return TestNode.JSON.readTree(out);
    }
  }

  @Test
  void fromCmkServeToACmkProtectedWriteAndADisabledKey() throws Exception {
    try (TestNode n = new TestNode(dir, 1 << 20)) {
      String op = n.operator;
      Res providers = n.send(op, "GET", "/v1/providers", null);
      assertThat(providers.body())
          .contains("{\"id\":\"aws\",\"enabled\":false}")
          .contains("{\"id\":\"local\",\"enabled\":true}");

      Run created = cli(n, op, "accounts", "create", "--name", "Acme");
      assertThat(created.exit()).as(created.out() + created.err()).isZero();
      String acct = created.json().get("id").asText();
      Run dev = cli(n, op, "dev-key", "create", "acme-cmk");
      assertThat(dev.exit()).as(dev.out()).isZero();
      Run reg =
          cli(
              n,
              op,
              "key",
              "register",
              "--account",
              acct,
              "--provider",
              "local",
              "--key-id",
              "acme-cmk");
      assertThat(reg.exit()).as(reg.out()).isZero();
      String keyId = reg.json().get("key").get("id").asText();
      assertThat(cli(n, op, "licenses", "set", "--account", acct, "--user", "alice").exit())
          .isZero();
      Run tok =
          cli(
              n,
              op,
              "token",
              "create",
              "--api",
              "--role",
              "service",
              "--account",
              acct,
              "--services",
              "chat");
      // the README's grep -o 'cmk_[A-Za-z0-9_-]*'
      java.util.regex.Matcher m =
          java.util.regex.Pattern.compile("cmk_[A-Za-z0-9_-]*").matcher(tok.out());
      assertThat(m.find()).as(tok.out()).isTrue();
      String service = m.group();

      String a = "/v1/accounts/" + acct;
      Res put =
          n.send(
              service,
              "PUT",
              a + "/content/chat-message/m1",
              Map.of("X-CMK-User", "alice"),
              "hello");
      assertThat(put.status()).as(put.body()).isIn(200, 201);
      Res read = n.send(service, "GET", a + "/content/chat-message/m1", null);
      assertThat(read.body()).isEqualTo("hello");
      assertThat(read.raw().headers().firstValue("X-CMK-Protection")).contains("CMK");

      Run deps = cli(n, op, "key", "dependents", "--account", acct, keyId);
      assertThat(deps.json().get("objects").asLong()).isEqualTo(1);
      assertThat(deps.json().get("protectsContent").asBoolean()).isTrue();
      assertThat(cli(n, op, "key", "delete", "--account", acct, keyId).exit()).isNotZero();

      assertThat(cli(n, op, "dev-key", "disable", "acme-cmk").exit()).isZero();
      assertThat(n.send(op, "POST", a + "/revoke", null).status()).isBetween(200, 299);
      Res refusedWrite =
          n.send(
              service, "PUT", a + "/content/chat-message/m2", Map.of("X-CMK-User", "alice"), "no");
      assertThat(refusedWrite.status()).isGreaterThanOrEqualTo(400);
      Res refusedRead = n.send(service, "GET", a + "/content/chat-message/m1", null);
      assertThat(refusedRead.status()).isGreaterThanOrEqualTo(400);
      assertThat(refusedRead.body()).doesNotContain("hello");
    }
  }

  private static Run cli(TestNode n, String token, String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    all.addAll(List.of("--url", n.base, "--token", token));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Cmk());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(all.toArray(String[]::new)), out.toString(), err.toString());
  }
}
