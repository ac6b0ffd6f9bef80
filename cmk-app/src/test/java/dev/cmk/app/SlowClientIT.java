package dev.cmk.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cmk.app.TestNode.Res;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 300 connections with valid service tokens each send a content body at 1 byte/s (issue 17: this
 * used to stop the whole API). For about 15 s, /v1/health and an admin route are called in a loop:
 * every call must be answered. The slow uploads get 429 (per token) or 503 (per node) at once, or,
 * once admitted, have their connection closed at the upload deadline. Latencies are printed, not
 * asserted (a busy 2-core machine would make a timing bound flaky).
 */
class SlowClientIT {
  static final int CONNECTIONS = 300;
  static final int TOKENS = 25;
  static final long SECONDS = 15;
  @TempDir Path dir;

  @Test
  void healthAndAdminRoutesStayServedWhile300SlowUploadsAreOpen() throws Exception {
    // the shipped limits, but a 5 s upload deadline so the test sees admitted uploads cut off
    CmkConfig cfg =
        ConfigLoader.load(
            Optional.empty(),
            Map.of(
                "CMK_SERVER_PORT",
                "0",
                "CMK_STORAGE_DATA_DIR",
                dir.toString(),
                "CMK_LOCAL_KEYSTORE",
                dir.resolve("local-keys.p12").toString(),
                "CMK_SERVER_UPLOAD_TIMEOUT",
                "PT5S"));
    try (TestNode n = new TestNode(cfg)) {
      String a = n.createAccount("Slow");
      String admin = n.adminToken(a);
      // a third on one token (its cap answers 429), the rest spread thin (the node's cap: 503)
      String one = n.serviceToken(a, List.of("chat"));
      List<String> many = new ArrayList<>();
      for (int i = 0; i < TOKENS; i++) {
        many.add(n.serviceToken(a, List.of("chat")));
      }
      List<Slow> slow = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        String token = i % 3 == 0 ? one : many.get(i % TOKENS);
        slow.add(new Slow(n.node.port(), a, token, i));
      }
      List<Long> health = new ArrayList<>();
      List<Long> adminRoute = new ArrayList<>();
      int healthFailures = 0;
      long end = System.nanoTime() + SECONDS * 1_000_000_000L;
      long nextByte = System.nanoTime();
      while (System.nanoTime() < end) {
        if (System.nanoTime() >= nextByte) {
          slow.forEach(Slow::trickle); // one byte per second on every connection
          nextByte += 1_000_000_000L;
        }
        long t0 = System.nanoTime();
        Res h = n.send(null, "GET", "/v1/health", null);
        health.add((System.nanoTime() - t0) / 1_000_000);
        if (h.status() != 200) {
          healthFailures++;
        }
        long t1 = System.nanoTime();
        Res acc = n.send(admin, "GET", "/v1/accounts/" + a, null);
        adminRoute.add((System.nanoTime() - t1) / 1_000_000);
        assertThat(acc.status()).isEqualTo(200);
        Thread.sleep(200);
      }
      Map<String, Integer> outcomes = new TreeMap<>();
      for (Slow s : slow) {
        outcomes.merge(s.outcome(), 1, Integer::sum);
        s.close();
      }
      System.out.printf(
          "SlowClientIT: %d slow uploads (%d tokens) for %d s; /v1/health %s; GET account %s;"
              + " upload outcomes %s%n",
          CONNECTIONS, TOKENS + 1, SECONDS, stats(health), stats(adminRoute), outcomes);
      assertThat(healthFailures).isZero();
      assertThat(health).hasSizeGreaterThan(5);
      assertThat(outcomes).containsKeys("429", "503");
      assertThat(outcomes.keySet()).allMatch(k -> k.matches("408|429|503|closed"));
    }
  }

  static String stats(List<Long> ms) {
    List<Long> s = new ArrayList<>(ms);
    s.sort(null);
    return String.format(
        "n=%d min=%d ms median=%d ms p95=%d ms max=%d ms",
        s.size(),
        s.get(0),
        s.get(s.size() / 2),
        s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.95) - 1)),
        s.get(s.size() - 1));
  }

  /** One upload that sends its headers, then one body byte per call to {@link #trickle}. */
  static final class Slow implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final StringBuilder answer = new StringBuilder();
    private boolean closed;

    Slow(int port, String account, String token, int i) throws IOException {
      socket = new Socket("127.0.0.1", port);
      socket.setSoTimeout(1);
      out = socket.getOutputStream();
      out.write(
          ("PUT /v1/accounts/"
                  + account
                  + "/content/chat-message/slow-"
                  + i
                  + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + token
                  + "\r\nX-CMK-User: alice\r\nContent-Type: application/octet-stream"
                  + "\r\nContent-Length: 100000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }

    void trickle() {
      if (closed) {
        return;
      }
      try {
        out.write('x');
        out.flush();
      } catch (IOException e) {
        closed = true; // the server answered and closed the connection
      }
    }

    /** The status the server answered with, or "closed" when it closed without one. */
    String outcome() {
      try {
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        int r;
        while (answer.length() < 12 && (r = in.read(buf)) > 0) {
          answer.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
        }
      } catch (SocketTimeoutException e) {
        // nothing more to read
      } catch (IOException e) {
        // reset by the server after its answer
      }
      return answer.length() >= 12 && answer.toString().startsWith("HTTP/1.1 ")
          ? answer.substring(9, 12)
          : closed ? "closed" : "open";
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
