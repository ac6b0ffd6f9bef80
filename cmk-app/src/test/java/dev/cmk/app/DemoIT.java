package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code cmk demo} end to end: what it prints is what a first-time user reads. */
class DemoIT {
  @Test
  @Timeout(120)
  void theDemoShowsFallbackDuringAnOutageAndRecoveryWhenTheKeyIsBack() {
    StringWriter out = new StringWriter();
    CommandLine cli = new CommandLine(new Cmk());
    cli.setOut(new PrintWriter(out, true));
    int exit = cli.execute("demo");
    String text = out.toString();
    assertThat(exit).as(text).isZero();

    // the backfill: dave's message from before his license moves under the customer's key, and
    // disabling that key then cuts it off like any other CMK content
    assertThat(text)
        .containsPattern(
            "6b\\. Admin licenses dave\\..* job job_\\S+ \\(BACKFILL, DEK_REWRAP\\) SUCCEEDED, 1 of 1"
                + " object\\(s\\)")
        .containsPattern("PLATFORM → CMK \\[read back\\] \"Dave: Q3 numbers")
        .contains("reading dave's backfilled message: HTTP 409 key_refused");

    // the outage: writes succeed under the backup key, the key is seen as unavailable
    assertThat(text)
        .contains("9. Globex's KMS becomes unreachable")
        .contains("key status: UNAVAILABLE (UNREACHABLE)");
    assertThat(count(text, "→ HTTP 201, protected by FALLBACK")).isEqualTo(3);

    // recovery: the probe sees the key, the job re-wraps the one fallback KEK
    assertThat(text)
        .containsPattern(
            "10\\. The KMS is back\\. The probe sees it \\(AVAILABLE\\) and starts recovery job"
                + " job_\\S+ \\(KEK_REWRAP\\): SUCCEEDED, 1/1 fallback KEK\\(s\\) re-wrapped");
    assertThat(count(text, "→ now protected by CMK")).isEqualTo(3);
    Matcher cost =
        Pattern.compile(
                "recovery cost (\\d+) provider calls: (\\d+) for the probe, (\\d+) for the job")
            .matcher(text);
    assertThat(cost.find()).as(text).isTrue();
    assertThat(cost.group(2)).as("probe: generate + unwrap").isEqualTo("2");
    assertThat(cost.group(3)).as("job: one re-wrap for the one fallback KEK").isEqualTo("1");
    assertThat(text)
        .containsPattern("key event job_finished .*SUCCEEDED: 1 done, 0 failed")
        .containsPattern(
            "key event job_started .*1 item\\(s\\) to move under local key globex-cmk");
    assertThat(text)
        .containsPattern("11. Acme's audit log: \\d+ hash-chained rows")
        .containsPattern("content.write refused +1")
        .contains("verify (what `cmk audit verify` does offline): OK");
    assertThat(text).contains("Demo complete");
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }
}
