package io.ketch.server.metrics;

/**
 * Prometheus's text exposition format (0.0.4), written the way etcd's Go client writes it: a
 * {@code # HELP} and a {@code # TYPE} line per family, then its samples, label names in order.
 * Written by hand for etcd's families because Prometheus's Java client refuses some of etcd's
 * names (gauges whose names end in {@code _total}, e.g. etcd_server_proposals_committed_total).
 */
final class MetricsText {
  private final StringBuilder out = new StringBuilder(16 * 1024);

  /** Starts a family. */
  MetricsText family(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n"))
        .append('\n').append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** A sample without labels. */
  MetricsText sample(String name, double value) {
    out.append(name).append(' ').append(number(value)).append('\n');
    return this;
  }

  /** A sample with labels given as name, value, name, value... (names in alphabetical order). */
  MetricsText sample(String name, double value, String... labels) {
    out.append(name).append('{');
    for (int i = 0; i < labels.length; i += 2) {
      if (i > 0) {
        out.append(',');
      }
      out.append(labels[i]).append("=\"")
          .append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
    }
    out.append("} ").append(number(value)).append('\n');
    return this;
  }

  /** Text written elsewhere in the same format (Prometheus's client for the JVM families). */
  MetricsText raw(String text) {
    out.append(text);
    return this;
  }

  static String number(double v) {
    if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    return Double.toString(v);
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
