package dev.cmk.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cmk jobs}: re-protection jobs of an account (recovery, rotation, backfill), with a
 * progress bar; {@code cmk jobs backfill} starts a backfill.
 */
@Command(
    name = "jobs",
    description = "List or watch an account's re-protection jobs, or start a backfill.",
    subcommands = {JobsCommand.ListJobs.class, JobsCommand.Watch.class, JobsCommand.Backfill.class})
final class JobsCommand implements Runnable {
  @Override
  public void run() {
    picocli.CommandLine.usage(this, System.out);
  }

  /** Where the server is and whose jobs. */
  static class Target {
    @Option(
        names = "--url",
        defaultValue = "${env:CMK_URL:-http://127.0.0.1:8080}",
        description = "server URL (default: $CMK_URL or http://127.0.0.1:8080)")
    String url;

    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Option(
        names = "--token",
        defaultValue = "${env:CMK_TOKEN:-}",
        description = "bearer token (default: $CMK_TOKEN)")
    String token;

    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    JsonNode get(String path) throws IOException, InterruptedException {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url + "/v1/accounts/" + account + path))
              .timeout(Duration.ofSeconds(10));
      if (token != null && !token.isBlank()) {
        b.header("Authorization", "Bearer " + token);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode body = JSON.readTree(r.body());
      if (r.statusCode() >= 400) {
        throw new IllegalStateException(
            r.statusCode()
                + " "
                + body.path("error").path("code").asText()
                + ": "
                + body.path("error").path("message").asText());
      }
      return body;
    }
  }

  /** {@code cmk jobs list}. */
  @Command(name = "list", description = "List the account's jobs, newest first.")
  static final class ListJobs implements Callable<Integer> {
    @picocli.CommandLine.Mixin Target target = new Target();

    @Override
    public Integer call() throws Exception {
      for (JsonNode j : target.get("/jobs")) {
        System.out.println(line(j));
      }
      return 0;
    }
  }

  /** {@code cmk jobs watch [jobId]}: a live progress bar until the job ends. */
  @Command(
      name = "watch",
      description = "Show a job's progress until it ends (default: the newest job).")
  static final class Watch implements Callable<Integer> {
    @picocli.CommandLine.Mixin Target target = new Target();

    @Parameters(arity = "0..1", description = "job id")
    String jobId;

    @Option(names = "--interval", defaultValue = "PT1S", description = "poll interval")
    Duration interval;

    @Option(names = "--timeout", defaultValue = "PT24H", description = "give up after")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
      String id = jobId;
      if (id == null) {
        JsonNode all = target.get("/jobs");
        if (all.isEmpty()) {
          System.out.println("no jobs in account " + target.account);
          return 0;
        }
        id = all.get(0).get("id").asText();
      }
      boolean tty = System.console() != null;
      long until = System.nanoTime() + timeout.toNanos();
      PrintStream out = System.out;
      while (true) {
        JsonNode j = target.get("/jobs/" + id);
        out.print(tty ? "\r" + line(j) : line(j) + System.lineSeparator());
        out.flush();
        String status = j.get("status").asText();
        if (!status.equals("RUNNING")) {
          if (tty) {
            out.println();
          }
          return status.equals("SUCCEEDED") ? 0 : 1;
        }
        if (System.nanoTime() > until) {
          out.println();
          return 2;
        }
        Thread.sleep(interval.toMillis());
      }
    }
  }

  /**
   * {@code cmk jobs backfill}: starts a backfill and prints the job (follow it with {@code cmk jobs
   * watch}). When nothing qualifies the server's explanation is printed and the exit code is 0:
   * everything that should be under the customer's key already is.
   */
  @Command(
      name = "backfill",
      description =
          "Move content written under the platform key before enrolment (owner holds a CMK"
              + " license, asset type CMK-eligible) under the account's customer key.")
  static final class Backfill implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ApiClient.Options api;

    @Option(names = "--account", required = true, description = "account id")
    String account;

    @Option(
        names = "--mode",
        description = "DEK_REWRAP (default: re-wrap each object's data key) or REENCRYPT")
    String mode;

    @Option(names = "--user", description = "only this user's content")
    String user;

    @Option(names = "--asset-type", description = "only content of this asset type")
    String assetType;

    @Override
    public Integer call() {
      Map<String, String> body = new LinkedHashMap<>();
      if (mode != null) {
        body.put("mode", mode.toUpperCase(Locale.ROOT));
      }
      if (user != null) {
        body.put("userId", user);
      }
      if (assetType != null) {
        body.put("assetType", assetType);
      }
      return api.client(spec)
          .callUnlessNothingToDo(
              "POST", "/v1/accounts/" + account + "/backfill", body, "nothing_to_backfill");
    }
  }

  /** One line: id, kind, bar, counts, rate, ETA, status and the last transient error. */
  static String line(JsonNode j) {
    long total = j.get("total").asLong();
    long done = j.get("done").asLong() + j.get("failed").asLong();
    String eta = j.hasNonNull("etaSeconds") ? j.get("etaSeconds").asLong() + "s" : "?";
    String err = j.path("lastError").asText();
    return String.format(
        Locale.ROOT,
        "%s %-8s %-10s %s %3d%% %d/%d %.1f/s ETA %s %s%s",
        j.get("id").asText(),
        j.get("kind").asText(),
        j.get("mode").asText(),
        bar(done, total, 30),
        total == 0 ? 100 : done * 100 / total,
        done,
        total,
        j.get("itemsPerSecond").asDouble(),
        eta,
        j.get("status").asText(),
        err.isEmpty() || !j.get("status").asText().equals("RUNNING") ? "" : " (" + err + ")");
  }

  /** A text progress bar, e.g. {@code [#########.....]}. */
  static String bar(long done, long total, int width) {
    int filled = total <= 0 ? width : (int) Math.min(width, done * width / total);
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
  }
}
