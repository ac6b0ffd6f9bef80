package dev.cmk.http;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorMapperTest {
  @Test
  void anErrorWhileServingStillAnswersInTheErrorShape() {
    Map<String, Object> state = new HashMap<>();
    Map<String, String> headers = new HashMap<>(Map.of(RequestIds.HEADER, "req-1"));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    ServletOutputStream out =
        new ServletOutputStream() {
          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void setWriteListener(WriteListener l) {}

          @Override
          public void write(int b) {
            body.write(b);
          }
        };
    HttpServletResponse res =
        (HttpServletResponse)
            Proxy.newProxyInstance(
                getClass().getClassLoader(),
                new Class<?>[] {HttpServletResponse.class},
                (p, m, args) ->
                    switch (m.getName()) {
                      case "getHeader" -> headers.get((String) args[0]);
                      case "setHeader" -> headers.put((String) args[0], (String) args[1]);
                      case "setStatus" -> state.put("status", args[0]);
                      case "setContentType" -> state.put("type", args[0]);
                      case "isCommitted" -> false;
                      case "getOutputStream" -> out;
                      default -> null;
                    });

    ErrorMapper.fatal(res, new OutOfMemoryError("Java heap space"));

    assertThat(state).containsEntry("status", 503).containsEntry("type", "application/json");
    assertThat(headers).containsEntry("Retry-After", "5");
    assertThat(body.toString(StandardCharsets.UTF_8))
        .isEqualTo(
            "{\"error\":{\"code\":\"server_busy\",\"message\":\"the server could not serve this"
                + " request; retry later\",\"requestId\":\"req-1\"}}");
  }

  @Test
  void aDatabaseThatCannotBeReachedIsRecognisedThroughItsCauses() {
    assertThat(
            ErrorMapper.databaseUnreachable(
                new java.sql.SQLTransientConnectionException("pool timed out")))
        .isTrue();
    assertThat(ErrorMapper.databaseUnreachable(new java.sql.SQLException("refused", "08001")))
        .isTrue();
    assertThat(ErrorMapper.databaseUnreachable(new java.sql.SQLException("shutdown", "57P01")))
        .isTrue();
    assertThat(ErrorMapper.databaseUnreachable(new java.sql.SQLException("dup", "23505")))
        .isFalse();
    assertThat(ErrorMapper.databaseUnreachable(new IllegalStateException("x"))).isFalse();
  }

  @Test
  void openMetricsDropEverySeriesWithAnAccountLabel() {
    String scrape =
        "# HELP cmk_key_state x\n"
            + "# TYPE cmk_key_state gauge\n"
            + "cmk_key_state{account=\"acct_1\",state=\"ok\"} 1.0\n"
            + "cmk_other{state=\"ok\",account_id=\"acct_1\"} 1.0\n"
            + "cmk_calls_total{provider=\"aws\"} 3.0\n"
            + "cmk_plain 2.0\n";
    assertThat(OpenMetrics.withoutAccountSeries(scrape))
        .isEqualTo(
            "# HELP cmk_key_state x\n"
                + "# TYPE cmk_key_state gauge\n"
                + "cmk_calls_total{provider=\"aws\"} 3.0\n"
                + "cmk_plain 2.0\n");
  }
}
