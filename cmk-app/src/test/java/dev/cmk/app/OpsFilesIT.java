package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the dashboard in {@code deploy/} name only metrics a running node really
 * exports (checked against its scrape), and the fleet gauges count a real account's key.
 */
class OpsFilesIT {
  @TempDir Path dir;

  @Test
  void alertRulesAndDashboardUseExportedMetrics() throws Exception {
    Path root = Path.of("..").toAbsolutePath().normalize();
    String rules = Files.readString(root.resolve("deploy/prometheus/cmk-alerts.yml"));
    String dashboard = Files.readString(root.resolve("deploy/grafana/cmk-dashboard.json"));
    CmkConfig e = CmkConfig.embeddedIn(dir, 4096);
    CmkConfig cfg =
        new CmkConfig(
            "cmk-test",
            e.server(),
            e.storage(),
            e.keys(),
            e.local(),
            e.kekCache(),
            4096,
            e.providers(),
            e.principals(),
            new CmkConfig.Availability(
                java.time.Duration.ofSeconds(1), java.time.Duration.ofMinutes(2), 100),
            e.crypto(),
            e.audit());
    try (TestNode n = new TestNode(cfg)) {
      n.node.localProvider().orElseThrow().createKey("ops-1");
      String a = n.createAccount("Ops");
      assertThat(
              n.send(
                      n.operator,
                      "PUT",
                      "/v1/accounts/" + a + "/key",
                      "{\"provider\":\"local\",\"keyId\":\"ops-1\"}")
                  .status())
          .isEqualTo(201);
      // the fleet gauges are cached for 10 s
      String scrape =
          await("the fleet gauges count the key")
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(200))
              .until(
                  () ->
                      java.net.http.HttpClient.newHttpClient()
                          .send(
                              HttpRequest.newBuilder(URI.create(n.base + "/v1/metrics"))
                                  .header("Authorization", "Bearer " + n.operator)
                                  .build(),
                              HttpResponse.BodyHandlers.ofString())
                          .body(),
                  s -> s.contains("cmk_keys_state{state=\"available\"} 1.0"));
      assertThat(scrape).contains("cmk_revocations_active 0.0");
      Set<String> exported = new TreeSet<>();
      Matcher t = Pattern.compile("(?m)^# TYPE (cmk_[a-z_]+) (\\w+)").matcher(scrape);
      while (t.find()) {
        exported.add(t.group(1));
        if (t.group(2).equals("histogram")) {
          exported.add(t.group(1) + "_bucket");
          exported.add(t.group(1) + "_sum");
          exported.add(t.group(1) + "_count");
        }
      }
      // Registered on their first event (a retry, a blob call): checked against their source.
      java.util.Map<String, String> lazy =
          java.util.Map.of(
              "cmk_provider_retries_total", "cmk-app/src/main/java/dev/cmk/app/ProviderWiring.java",
              "cmk_blob_calls_total",
                  "cmk-service/src/main/java/dev/cmk/service/blob/ResilientBlobStore.java",
              "cmk_blob_call_duration_seconds",
                  "cmk-service/src/main/java/dev/cmk/service/blob/ResilientBlobStore.java");
      for (String used : names(rules + dashboard)) {
        String family = used.replaceAll("_(bucket|sum|count)$", "");
        if (lazy.containsKey(family)) {
          String dotted = family.replaceAll("_(total|seconds)$", "").replace('_', '.');
          assertThat(Files.readString(root.resolve(lazy.get(family)))).contains('"' + dotted + '"');
        } else {
          assertThat(exported).as("metric %s used by deploy/ files", used).contains(used);
        }
      }
    }
  }

  private static Set<String> names(String text) {
    Set<String> out = new TreeSet<>();
    Matcher m = Pattern.compile("\\bcmk_[a-z_]+\\b").matcher(text);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }
}
