package dev.cmk.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The BENCHMARKS.md tables from JMH CSV: columns per engine and provider, ratios as shipped. */
class ReportTest {
  @TempDir Path dir;

  @Test
  void ratiosCompareCmkOnAwsLcWithPeersOnTheJdkAndLikeWithLike() throws Exception {
    Path csv = dir.resolve("r.csv");
    String h =
        "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\","
            + "\"Unit\",\"Param: chunk\",\"Param: jca\",\"Param: size\"\n";
    Files.writeString(
        csv,
        h
            + row("cmkStreamSeal", 300, "accp")
            + row("cmkStreamSeal", 200, "jdk")
            + row("tinkStream4kSeal", 150, "jdk")
            + row("tinkStream4kSeal", 250, "accp"));
    String out = run(csv);
    assertThat(out)
        .contains(
            "| CMK stream | Tink stream 4KB | CMK stream, JDK GCM | Tink stream 4KB on AWS-LC |")
        .contains("| 1 MiB | encrypt | 315 | 157 | 210 | 262 |")
        .contains("CMK stream / Tink stream 4KB |")
        .contains("CMK stream / Tink stream 4KB on AWS-LC |")
        .contains("CMK stream, JDK GCM / Tink stream 4KB |")
        .contains("| 1 MiB | encrypt | 2.00× | 1.20× | 1.33× |");
  }

  @Test
  void roundsWithoutAProviderParameterRanOnTheJdk() throws Exception {
    Path csv = dir.resolve("old.csv");
    Files.writeString(
        csv,
        "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\","
            + "\"Unit\",\"Param: chunk\",\"Param: size\"\n"
            + "\"dev.cmk.bench.ContentEncryptionBench.cmkBytesSeal\",\"thrpt\",1,4,100,1,\"ops/s\",16384,1048576\n");
    assertThat(run(csv)).contains("| CMK bytes, JDK GCM |").doesNotContain("| CMK bytes |");
  }

  @Test
  void pairedRoundsTakeEachRatioWithinItsRoundThenTheMedian() throws Exception {
    String h =
        "\"Benchmark\",\"Mode\",\"Threads\",\"Samples\",\"Score\",\"Score Error (99.9%)\","
            + "\"Unit\",\"Param: chunk\",\"Param: jca\",\"Param: size\"\n";
    // the machine is twice as fast in round 2: the ratio is 1.25 in both, the MB/s are not
    Path r1 = dir.resolve("round1.csv");
    Files.writeString(r1, h + row("cmkBytesSeal", 100, "accp") + row("tinkAeadSeal", 80, "jdk"));
    Path r2 = dir.resolve("round2.csv");
    Files.writeString(r2, h + row("cmkBytesSeal", 200, "accp") + row("tinkAeadSeal", 160, "jdk"));
    Path r3 = dir.resolve("round3.csv");
    Files.writeString(r3, h + row("cmkBytesSeal", 90, "accp") + row("tinkAeadSeal", 100, "jdk"));
    String out = run("--paired", r1.toString(), r2.toString(), r3.toString());
    assertThat(out)
        .contains("| 1 MiB | encrypt | 105 | 105 |")
        .contains("| 1 MiB | encrypt | CMK bytes / Tink AesGcm | 1.25× | 0.90× | 1.25× | 3 |")
        .doesNotContain("| 1 MiB | decrypt | CMK bytes / Tink AesGcm");
  }

  private static String row(String method, double opsPerSecond, String jca) {
    return "\"dev.cmk.bench.ContentEncryptionBench."
        + method
        + "\",\"thrpt\",1,4,"
        + opsPerSecond
        + ",1,\"ops/s\",0,"
        + jca
        + ",1048576\n";
  }

  private static String run(Path csv) throws Exception {
    return run(csv.toString());
  }

  private static String run(String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      Report.main(args);
    } finally {
      System.setOut(old);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
