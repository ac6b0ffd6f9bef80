package dev.cmk.app;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Streaming throughput and heap (issue 15; not run by {@code mvn verify}; see BENCHMARKS.md): a
 * {@code cmk serve} child JVM on the directory blob store takes one upload of {@code size} MiB and
 * serves it back, timed from outside over HTTP, with the peak heap from its GC log; then, in a node
 * with a larger heap, {@code parallel} uploads of {@code each} MiB at once. Usage: {@code
 * StreamingBenchmark [size=1024] [heap=256m] [parallel=20] [each=60] [parallelHeap=512m]
 * [rounds=3]}.
 */
public final class StreamingBenchmark {
  private StreamingBenchmark() {}

  public static void main(String[] args) throws Exception {
    long mib = 1 << 20;
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) * mib;
    String heap = args.length > 1 ? args[1] : "256m";
    int parallel = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    long each = (args.length > 3 ? Long.parseLong(args[3]) : 60) * mib;
    String parallelHeap = args.length > 4 ? args[4] : "512m";
    int rounds = args.length > 5 ? Integer.parseInt(args[5]) : 3;

    Path dir = Files.createTempDirectory("cmk-streaming-bench");
    try (StreamingNode node = new StreamingNode(dir, heap, 2048 * mib)) {
      String[] a = node.accountWithMailToken("Bench");
      for (int round = 1; round <= rounds; round++) {
        String path = "/v1/accounts/" + a[0] + "/content/mail/big-" + round;
        double cpu0 = node.cpuSeconds();
        long t0 = System.nanoTime();
        HttpResponse<String> up = node.upload(a[1], path, size, true);
        double upSecs = (System.nanoTime() - t0) / 1e9;
        double cpu1 = node.cpuSeconds();
        if (up.statusCode() != 201) {
          throw new IllegalStateException("upload: " + up.statusCode() + " " + up.body());
        }
        long t1 = System.nanoTime();
        node.downloadAndVerify(a[1], path, size);
        double downSecs = (System.nanoTime() - t1) / 1e9;
        double cpu2 = node.cpuSeconds();
        System.out.printf(
            Locale.ROOT,
            "round %d: %d MiB, -Xmx%s: upload %.2f s = %.0f MB/s (node CPU %.2f s), download %.2f s"
                + " = %.0f MB/s (node CPU %.2f s); load average %.1f%n",
            round,
            size / mib,
            heap,
            upSecs,
            size / upSecs / 1e6,
            cpu1 - cpu0,
            downSecs,
            size / downSecs / 1e6,
            cpu2 - cpu1,
            java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
        node.send(StreamingNode.OPERATOR, "GET", "/v1/health", null);
      }
      System.out.printf(
          Locale.ROOT,
          "peak heap in use (GC log, before a collection): %d MB%n",
          node.peakHeapMb());
    }

    Path dir2 = Files.createTempDirectory("cmk-streaming-bench-par");
    try (StreamingNode node = new StreamingNode(dir2, parallelHeap, 2048 * mib)) {
      String[] a = node.accountWithMailToken("Parallel");
      ExecutorService pool = Executors.newFixedThreadPool(parallel);
      long t0 = System.nanoTime();
      List<Future<HttpResponse<String>>> results = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        String path = "/v1/accounts/" + a[0] + "/content/mail/par-" + i;
        results.add(pool.submit(() -> node.upload(a[1], path, each, true)));
      }
      int ok = 0;
      List<String> failures = new ArrayList<>();
      for (Future<HttpResponse<String>> r : results) {
        HttpResponse<String> res = r.get();
        if (res.statusCode() == 201) {
          ok++;
        } else {
          failures.add(res.statusCode() + " " + res.body());
        }
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      if (!failures.isEmpty()) {
        throw new IllegalStateException(
            failures.size() + " of " + parallel + " parallel uploads failed: " + failures);
      }
      for (int i = 0; i < parallel; i++) {
        node.downloadAndVerify(a[1], "/v1/accounts/" + a[0] + "/content/mail/par-" + i, each);
      }
      System.out.printf(
          Locale.ROOT,
          "%d parallel uploads of %d MiB, -Xmx%s: %d succeeded (read back and verified), %.1f s"
              + " = %.0f MB/s in total; peak heap %d MB; failures %s%n",
          parallel,
          each / mib,
          parallelHeap,
          ok,
          secs,
          parallel * each / secs / 1e6,
          node.peakHeapMb(),
          failures);
    }
    System.exit(0);
  }
}
