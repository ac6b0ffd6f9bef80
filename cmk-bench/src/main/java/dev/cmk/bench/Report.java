package dev.cmk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns JMH CSV results of {@link ContentEncryptionBench} into the Markdown tables of
 * BENCHMARKS.md: MB/s (10^6 bytes of plaintext per second) per engine and the ratios of CMK to each
 * peer. Usage: {@code java -cp benchmarks.jar dev.cmk.bench.Report results.csv...}; a cell given by
 * several files (rounds) shows their median.
 */
public final class Report {
  private static final String[] ENGINES = {
    "cmkBytes",
    "cmkStream",
    "cmkFreshDek",
    "tinkAead",
    "tinkFreshKey",
    "tinkStream4k",
    "tinkStream1m",
    "awsEsdk",
    "awsEsdkDefault",
    "jdk"
  };
  private static final String[] TITLES = {
    "CMK bytes",
    "CMK stream",
    "CMK bytes, new DEK",
    "Tink AesGcm",
    "Tink AesGcm, new key",
    "Tink stream 4KB",
    "Tink stream 1MB",
    "ESDK unsigned",
    "ESDK default",
    "JDK"
  };

  private Report() {}

  public static void main(String[] args) throws IOException {
    Map<String, List<Double>> runs = new TreeMap<>();
    List<Integer> sizes = new ArrayList<>();
    for (String file : args) {
      List<String> lines = Files.readAllLines(Path.of(file));
      if (file.endsWith(".txt")) {
        Map<String, Double> best = new TreeMap<>();
        readBestIterations(lines, best, sizes);
        best.forEach((k, v) -> runs.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
        continue;
      }
      List<String> header = split(lines.get(0));
      int sizeCol = header.indexOf("Param: size");
      for (String line : lines.subList(1, lines.size())) {
        List<String> f = split(line);
        String method = f.get(0).substring(f.get(0).lastIndexOf('.') + 1);
        int size = Integer.parseInt(f.get(sizeCol));
        double score = Double.parseDouble(f.get(4));
        runs.computeIfAbsent(method + "@" + size, x -> new ArrayList<>()).add(score * size / 1e6);
        if (!sizes.contains(size)) {
          sizes.add(size);
        }
      }
    }
    sizes.sort(null);
    Map<String, Double> mbps = new TreeMap<>();
    runs.forEach((k, v) -> mbps.put(k, median(v)));
    System.out.print(throughputTable(mbps, sizes));
    System.out.println();
    System.out.print(ratioTable(mbps, sizes));
  }

  /** The median of the runs given for one cell (files of several rounds). */
  static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  /** From a JMH text log: the best measured iteration of each (benchmark, size). */
  private static void readBestIterations(
      List<String> lines, Map<String, Double> mbps, List<Integer> sizes) {
    String method = null;
    int size = 0;
    for (String line : lines) {
      if (line.startsWith("# Benchmark: ")) {
        method = line.substring(line.lastIndexOf('.') + 1).trim();
      } else if (line.startsWith("# Parameters: ")) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("size = (\\d+)").matcher(line);
        size = m.find() ? Integer.parseInt(m.group(1)) : 0;
        if (!sizes.contains(size)) {
          sizes.add(size);
        }
      } else if (line.startsWith("Iteration ") && method != null) {
        String v = line.substring(line.indexOf(':') + 1).trim().split(" ")[0];
        double value = Double.parseDouble(v) * size / 1e6;
        mbps.merge(method + "@" + size, value, Math::max);
      }
    }
  }

  private static String throughputTable(Map<String, Double> mbps, List<Integer> sizes) {
    StringBuilder sb = new StringBuilder("| size | op |");
    for (String t : TITLES) {
      sb.append(' ').append(t).append(" |");
    }
    sb.append("\n|---|---|").append("---:|".repeat(TITLES.length)).append('\n');
    for (int size : sizes) {
      for (String op : new String[] {"Seal", "Open"}) {
        sb.append("| ")
            .append(label(size))
            .append(" | ")
            .append(op.equals("Seal") ? "encrypt" : "decrypt");
        sb.append(" |");
        for (String e : ENGINES) {
          Double v = mbps.get(e + op + "@" + size);
          sb.append(' ').append(v == null ? "—" : fmt(v)).append(" |");
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String ratioTable(Map<String, Double> mbps, List<Integer> sizes) {
    String[][] pairs = {
      {"cmkBytes", "tinkAead"},
      {"cmkFreshDek", "tinkFreshKey"},
      {"cmkStream", "tinkStream4k"},
      {"cmkBytes", "tinkStream4k"},
      {"cmkStream", "tinkStream1m"},
      {"cmkBytes", "awsEsdkDefault"},
      {"cmkStream", "awsEsdkDefault"},
      {"cmkBytes", "awsEsdk"},
      {"cmkStream", "awsEsdk"},
      {"cmkBytes", "jdk"}
    };
    StringBuilder sb = new StringBuilder("| size | op |");
    for (String[] p : pairs) {
      sb.append(' ').append(title(p[0])).append(" / ").append(title(p[1])).append(" |");
    }
    sb.append("\n|---|---|").append("---:|".repeat(pairs.length)).append('\n');
    for (int size : sizes) {
      for (String op : new String[] {"Seal", "Open"}) {
        sb.append("| ")
            .append(label(size))
            .append(" | ")
            .append(op.equals("Seal") ? "encrypt" : "decrypt");
        sb.append(" |");
        for (String[] p : pairs) {
          Double a = mbps.get(p[0] + op + "@" + size);
          Double b = mbps.get(p[1] + op + "@" + size);
          sb.append(' ')
              .append(a == null || b == null ? "—" : String.format(Locale.ROOT, "%.2f×", a / b));
          sb.append(" |");
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String title(String engine) {
    for (int i = 0; i < ENGINES.length; i++) {
      if (ENGINES[i].equals(engine)) {
        return TITLES[i];
      }
    }
    return engine;
  }

  private static String fmt(double v) {
    return v >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String label(int size) {
    return size >= 1 << 20 ? (size >> 20) + " MiB" : (size >> 10) + " KiB";
  }

  private static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    for (String cell : line.split(",", -1)) {
      out.add(cell.replace("\"", ""));
    }
    return out;
  }
}
