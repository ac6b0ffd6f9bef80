package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class JobsCommandTest {
  @Test
  void progressBarAndLine() throws Exception {
    assertThat(JobsCommand.bar(0, 10, 10)).isEqualTo("[..........]");
    assertThat(JobsCommand.bar(5, 10, 10)).isEqualTo("[#####.....]");
    assertThat(JobsCommand.bar(0, 0, 4)).isEqualTo("[####]");
    var j =
        new ObjectMapper()
            .readTree(
                "{\"id\":\"job_1\",\"kind\":\"RECOVERY\",\"mode\":\"KEK_REWRAP\",\"total\":200,"
                    + "\"done\":50,\"failed\":0,\"itemsPerSecond\":12.5,\"etaSeconds\":12,"
                    + "\"status\":\"RUNNING\",\"lastError\":\"key throttled\"}");
    assertThat(JobsCommand.line(j))
        .isEqualTo(
            "job_1 RECOVERY KEK_REWRAP [#######.......................]  25% 50/200 12.5/s"
                + " ETA 12s RUNNING (key throttled)");
  }
}
