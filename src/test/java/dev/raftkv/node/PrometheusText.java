package dev.raftkv.node;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of Prometheus' text exposition format 0.0.4, for tests: it throws on anything a
 * Prometheus server would reject or that breaks the format's rules (bad names, bad label syntax,
 * unparseable values, a TYPE after its samples or twice, a family's samples interleaved with
 * another's, duplicate series, histogram buckets that are not cumulative or lack +Inf).
 */
final class PrometheusText {
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern SAMPLE = Pattern.compile(
      "([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?");
  private static final Pattern LABEL = Pattern.compile(
      "([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");
  private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

  private final Map<String, String> types = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();

  static PrometheusText parse(String text) {
    PrometheusText t = new PrometheusText();
    Set<String> finished = new HashSet<>();
    Set<String> series = new HashSet<>();
    String current = null;
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      String where = "line " + lineNo + " '" + line + "': ";
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] p = line.split(" ", 4);
        if (p.length >= 3 && p[1].equals("TYPE")) {
          if (!NAME.matcher(p[2]).matches() || p.length != 4 || !TYPES.contains(p[3])) {
            throw new IllegalArgumentException(where + "bad TYPE line");
          }
          if (t.types.containsKey(p[2]) || finished.contains(p[2]) || p[2].equals(current)) {
            throw new IllegalArgumentException(where + "TYPE given twice or after its samples");
          }
          t.types.put(p[2], p[3]);
        } else if (p.length >= 3 && p[1].equals("HELP") && !NAME.matcher(p[2]).matches()) {
          throw new IllegalArgumentException(where + "bad HELP line");
        }
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException(where + "not a sample line");
      }
      Map<String, String> labels = new TreeMap<>();
      if (m.group(2) != null && !m.group(2).isEmpty()) {
        Matcher lm = LABEL.matcher(m.group(2));
        int pos = 0;
        while (pos < m.group(2).length()) {
          if (!lm.find(pos) || lm.start() != pos) {
            throw new IllegalArgumentException(where + "bad label syntax at " + pos);
          }
          String v = lm.group(2).replace("\\n", "\n").replace("\\\"", "\"").replace("\\\\", "\\");
          if (labels.put(lm.group(1), v) != null) {
            throw new IllegalArgumentException(where + "label given twice");
          }
          pos = lm.end();
        }
      }
      double value = switch (m.group(3)) {
        case "+Inf" -> Double.POSITIVE_INFINITY;
        case "-Inf" -> Double.NEGATIVE_INFINITY;
        case "NaN" -> Double.NaN;
        default -> {
          try {
            yield Double.parseDouble(m.group(3));
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + "bad value");
          }
        }
      };
      String name = m.group(1);
      String family = t.familyOf(name);
      if (!family.equals(current)) {
        if (finished.contains(family)) {
          throw new IllegalArgumentException(where + "samples of " + family + " are not together");
        }
        if (current != null) {
          finished.add(current);
        }
        current = family;
      }
      if (!series.add(name + labels)) {
        throw new IllegalArgumentException(where + "duplicate series");
      }
      t.samples.add(new Sample(name, labels, value));
    }
    t.checkHistograms();
    return t;
  }

  private String familyOf(String name) {
    for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
      if (name.endsWith(suffix)) {
        String base = name.substring(0, name.length() - suffix.length());
        String type = types.get(base);
        if ("histogram".equals(type) || ("summary".equals(type) && !suffix.equals("_bucket"))) {
          return base;
        }
      }
    }
    return name;
  }

  private void checkHistograms() {
    types.forEach((family, type) -> {
      if (!type.equals("histogram")) {
        return;
      }
      Map<Map<String, String>, List<Sample>> bySeries = new LinkedHashMap<>();
      for (Sample s : samples(family + "_bucket")) {
        Map<String, String> l = new TreeMap<>(s.labels());
        l.remove("le");
        bySeries.computeIfAbsent(l, k -> new ArrayList<>()).add(s);
      }
      bySeries.forEach((labels, buckets) -> {
        double prev = 0;
        for (Sample b : buckets) {
          if (b.value() < prev) {
            throw new IllegalArgumentException(family + labels + ": buckets not cumulative");
          }
          prev = b.value();
        }
        Sample last = buckets.get(buckets.size() - 1);
        if (!"+Inf".equals(last.labels().get("le"))) {
          throw new IllegalArgumentException(family + labels + ": no +Inf bucket last");
        }
      });
    });
  }

  List<String> families() {
    return new ArrayList<>(types.keySet());
  }

  String type(String family) {
    return types.getOrDefault(family, "untyped");
  }

  List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  /** The value of the series with exactly these labels, or {@code absent}. */
  double value(String name, Map<String, String> labels, double absent) {
    Map<String, String> want = new TreeMap<>(labels);
    return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(want))
        .mapToDouble(Sample::value).findFirst().orElse(absent);
  }
}
