package dev.cmk.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Turns JMH CSV results of {@link ContentEncryptionBench} into the Markdown tables of
 * BENCHMARKS.md: MB/s (10^6 bytes of plaintext per second) per engine and the ratios of CMK to each
 * peer. Usage: {@code java -cp benchmarks.jar dev.cmk.bench.Report results.csv...}; a cell given by
 * several files (rounds) shows their median.
 *
 * <p>{@code Report --paired round1.csv round2.csv ...}: every file is one round in which all
 * engines ran one after the other; each ratio is taken within a round (so drift of the machine
 * between rounds cancels out) and the table shows the median ratio over the rounds with its lowest
 * and highest value.
 */
public final class Report {
  /** A column: a benchmark engine on one AES-GCM provider ({@code jca} parameter). */
  record Column(String engine, String jca, String title) {
    String key(String op, int size) {
      return engine + op + "|" + jca + "@" + size;
    }
  }

  /**
   * CMK as shipped runs on AWS-LC; the peers as their projects ship them, on the JDK's provider.
   */
  static final List<Column> COLUMNS =
      List.of(
          new Column("cmkBytes", "accp", "CMK bytes"),
          new Column("cmkStream", "accp", "CMK stream"),
          new Column("cmkFreshDek", "accp", "CMK bytes, new DEK"),
          new Column("tinkAead", "jdk", "Tink AesGcm"),
          new Column("tinkFreshKey", "jdk", "Tink AesGcm, new key"),
          new Column("tinkStream4k", "jdk", "Tink stream 4KB"),
          new Column("tinkStream1m", "jdk", "Tink stream 1MB"),
          new Column("awsEsdk", "jdk", "ESDK unsigned"),
          new Column("awsEsdkDefault", "jdk", "ESDK default"),
          new Column("jdk", "jdk", "JDK"),
          new Column("cmkBytes", "jdk", "CMK bytes, JDK GCM"),
          new Column("cmkStream", "jdk", "CMK stream, JDK GCM"),
          new Column("cmkFreshDek", "jdk", "CMK bytes, new DEK, JDK GCM"),
          new Column("tinkAead", "accp", "Tink AesGcm on AWS-LC"),
          new Column("tinkFreshKey", "accp", "Tink AesGcm, new key, on AWS-LC"),
          new Column("tinkStream4k", "accp", "Tink stream 4KB on AWS-LC"),
          new Column("awsEsdkDefault", "accp", "ESDK default on AWS-LC"),
          new Column("jdk", "accp", "JCA cipher on AWS-LC"));

  /** Ratio columns: first as shipped, then each pair on the same provider. */
  static final String[][] PAIRS = {
    {"cmkBytes|accp", "tinkAead|jdk"},
    {"cmkFreshDek|accp", "tinkFreshKey|jdk"},
    {"cmkStream|accp", "tinkStream4k|jdk"},
    {"cmkBytes|accp", "tinkStream4k|jdk"},
    {"cmkStream|accp", "tinkStream1m|jdk"},
    {"cmkBytes|accp", "awsEsdkDefault|jdk"},
    {"cmkStream|accp", "awsEsdkDefault|jdk"},
    {"cmkBytes|accp", "awsEsdk|jdk"},
    {"cmkBytes|accp", "jdk|jdk"},
    {"cmkBytes|accp", "tinkAead|accp"},
    {"cmkFreshDek|accp", "tinkFreshKey|accp"},
    {"cmkStream|accp", "tinkStream4k|accp"},
    {"cmkBytes|accp", "jdk|accp"},
    {"cmkBytes|jdk", "tinkAead|jdk"},
    {"cmkFreshDek|jdk", "tinkFreshKey|jdk"},
    {"cmkStream|jdk", "tinkStream4k|jdk"},
    {"cmkBytes|jdk", "jdk|jdk"}
  };

  private Report() {}

  public static void main(String[] args) throws IOException {
    if (args.length > 0 && args[0].equals("--paired")) {
      System.out.print(paired(List.of(args).subList(1, args.length)));
      return;
    }
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
      readCsv(lines, runs, sizes);
    }
    sizes.sort(null);
    Map<String, Double> mbps = new TreeMap<>();
    runs.forEach((k, v) -> mbps.put(k, median(v)));
    System.out.print(throughputTable(mbps, sizes));
    System.out.println();
    System.out.print(ratioTable(mbps, sizes));
  }

  /**
   * Ratios taken within each round (one CSV file per round), then summarised over the rounds:
   * {@code median [lowest–highest] (n rounds)} per ratio column, and the median MB/s per engine.
   */
  static String paired(List<String> files) throws IOException {
    List<Map<String, Double>> rounds = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (String file : files) {
      Map<String, List<Double>> one = new TreeMap<>();
      readCsv(Files.readAllLines(Path.of(file)), one, sizes);
      Map<String, Double> round = new TreeMap<>();
      one.forEach((k, v) -> round.put(k, median(v)));
      rounds.add(round);
    }
    sizes.sort(null);
    Map<String, List<Double>> mbps = new TreeMap<>();
    for (Map<String, Double> r : rounds) {
      r.forEach((k, v) -> mbps.computeIfAbsent(k, x -> new ArrayList<>()).add(v));
    }
    Map<String, Double> medians = new TreeMap<>();
    mbps.forEach((k, v) -> medians.put(k, median(v)));
    StringBuilder sb = new StringBuilder(throughputTable(medians, sizes)).append('\n');
    sb.append("| size | op | ratio (within each round) | median | lowest | highest | rounds |\n");
    sb.append("|---|---|---|---:|---:|---:|---:|\n");
    for (int size : sizes) {
      for (String op : new String[] {"Seal", "Open"}) {
        for (String[] p : PAIRS) {
          List<Double> ratios = new ArrayList<>();
          for (Map<String, Double> r : rounds) {
            Double x = ratio(r, p, op, size);
            if (x != null) {
              ratios.add(x);
            }
          }
          if (ratios.isEmpty()) {
            continue;
          }
          sb.append("| ")
              .append(label(size))
              .append(" | ")
              .append(opName(op))
              .append(" | ")
              .append(title(p[0]))
              .append(" / ")
              .append(title(p[1]))
              .append(String.format(Locale.ROOT, " | %.2f× | ", median(ratios)))
              .append(
                  String.format(
                      Locale.ROOT, "%.2f× | ", ratios.stream().min(Double::compare).get()))
              .append(
                  String.format(
                      Locale.ROOT, "%.2f× | ", ratios.stream().max(Double::compare).get()))
              .append(ratios.size())
              .append(" |\n");
        }
      }
    }
    return sb.toString();
  }

  /** The median of the runs given for one cell (files of several rounds). */
  static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(null);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  /** From a JMH CSV: MB/s of each (benchmark, provider, size), added to {@code runs}. */
  private static void readCsv(
      List<String> lines, Map<String, List<Double>> runs, List<Integer> sizes) {
    List<String> header = split(lines.get(0));
    int sizeCol = header.indexOf("Param: size");
    // Rounds before r10 had no jca parameter: they ran on the JDK's provider.
    int jcaCol = header.indexOf("Param: jca");
    for (String line : lines.subList(1, lines.size())) {
      List<String> f = split(line);
      String method = f.get(0).substring(f.get(0).lastIndexOf('.') + 1);
      int size = Integer.parseInt(f.get(sizeCol));
      double score = Double.parseDouble(f.get(4));
      String jca = jcaCol < 0 ? "jdk" : f.get(jcaCol);
      runs.computeIfAbsent(method + "|" + jca + "@" + size, x -> new ArrayList<>())
          .add(score * size / 1e6);
      if (!sizes.contains(size)) {
        sizes.add(size);
      }
    }
  }

  /** From a JMH text log: the best measured iteration of each (benchmark, size). */
  private static void readBestIterations(
      List<String> lines, Map<String, Double> mbps, List<Integer> sizes) {
    String method = null;
    int size = 0;
    String jca = "jdk";
    for (String line : lines) {
      if (line.startsWith("# Benchmark: ")) {
        method = line.substring(line.lastIndexOf('.') + 1).trim();
      } else if (line.startsWith("# Parameters: ")) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("size = (\\d+)").matcher(line);
        size = m.find() ? Integer.parseInt(m.group(1)) : 0;
        java.util.regex.Matcher j = java.util.regex.Pattern.compile("jca = (\\w+)").matcher(line);
        jca = j.find() ? j.group(1) : "jdk";
        if (!sizes.contains(size)) {
          sizes.add(size);
        }
      } else if (line.startsWith("Iteration ") && method != null) {
        String v = line.substring(line.indexOf(':') + 1).trim().split(" ")[0];
        double value = Double.parseDouble(v) * size / 1e6;
        mbps.merge(method + "|" + jca + "@" + size, value, Math::max);
      }
    }
  }

  private static String throughputTable(Map<String, Double> mbps, List<Integer> sizes) {
    List<Column> cols = new ArrayList<>();
    for (Column c : COLUMNS) {
      if (sizes.stream()
          .anyMatch(
              z -> mbps.containsKey(c.key("Seal", z)) || mbps.containsKey(c.key("Open", z)))) {
        cols.add(c);
      }
    }
    StringBuilder sb = new StringBuilder("| size | op |");
    for (Column c : cols) {
      sb.append(' ').append(c.title()).append(" |");
    }
    sb.append("\n|---|---|").append("---:|".repeat(cols.size())).append('\n');
    for (int size : sizes) {
      for (String op : new String[] {"Seal", "Open"}) {
        sb.append("| ").append(label(size)).append(" | ").append(opName(op)).append(" |");
        for (Column c : cols) {
          Double v = mbps.get(c.key(op, size));
          sb.append(' ').append(v == null ? "—" : fmt(v)).append(" |");
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static String ratioTable(Map<String, Double> mbps, List<Integer> sizes) {
    List<String[]> pairs = new ArrayList<>();
    for (String[] p : PAIRS) {
      if (sizes.stream()
          .anyMatch(z -> ratio(mbps, p, "Seal", z) != null || ratio(mbps, p, "Open", z) != null)) {
        pairs.add(p);
      }
    }
    StringBuilder sb = new StringBuilder("| size | op |");
    for (String[] p : pairs) {
      sb.append(' ').append(title(p[0])).append(" / ").append(title(p[1])).append(" |");
    }
    sb.append("\n|---|---|").append("---:|".repeat(pairs.size())).append('\n');
    for (int size : sizes) {
      for (String op : new String[] {"Seal", "Open"}) {
        sb.append("| ").append(label(size)).append(" | ").append(opName(op)).append(" |");
        for (String[] p : pairs) {
          Double r = ratio(mbps, p, op, size);
          sb.append(' ')
              .append(r == null ? "—" : String.format(Locale.ROOT, "%.2f×", r))
              .append(" |");
        }
        sb.append('\n');
      }
    }
    return sb.toString();
  }

  private static @Nullable Double ratio(
      Map<String, Double> mbps, String[] pair, String op, int size) {
    Double a = mbps.get(cell(pair[0], op, size));
    Double b = mbps.get(cell(pair[1], op, size));
    return a == null || b == null ? null : a / b;
  }

  /** {@code "cmkBytes|accp"} to the map key of one cell. */
  private static String cell(String engineJca, String op, int size) {
    int bar = engineJca.indexOf('|');
    return engineJca.substring(0, bar) + op + engineJca.substring(bar) + "@" + size;
  }

  private static String opName(String op) {
    return op.equals("Seal") ? "encrypt" : "decrypt";
  }

  private static String title(String engineJca) {
    int bar = engineJca.indexOf('|');
    for (Column c : COLUMNS) {
      if (c.engine().equals(engineJca.substring(0, bar))
          && c.jca().equals(engineJca.substring(bar + 1))) {
        return c.title();
      }
    }
    return engineJca;
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
