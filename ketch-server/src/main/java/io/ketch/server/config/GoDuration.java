package io.ketch.server.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/** Go's duration syntax ({@code 10m0s}, {@code 1.5h}, {@code 300ms}), as etcd's duration flags take it. */
final class GoDuration {
  private static final Map<String, Long> UNIT_NANOS = Map.of(
      "ns", 1L, "us", 1_000L, "µs", 1_000L, "ms", 1_000_000L, "s", 1_000_000_000L,
      "m", 60_000_000_000L, "h", 3_600_000_000_000L);

  private GoDuration() {}

  static Duration parse(String flag, String raw) throws Flags.FlagException {
    String s = raw.trim();
    Flags.FlagException bad = new Flags.FlagException(
        "invalid value \"" + raw + "\" for flag -" + flag + ": parse error");
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    boolean negative = s.startsWith("-");
    if (negative || s.startsWith("+")) {
      s = s.substring(1);
    }
    if (s.isEmpty()) {
      throw bad;
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int numStart = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      Long unit = UNIT_NANOS.get(s.substring(unitStart, i));
      if (numStart == unitStart || unit == null) {
        throw bad;
      }
      try {
        total = total.add(new BigDecimal(s.substring(numStart, unitStart)).multiply(BigDecimal.valueOf(unit)));
      } catch (NumberFormatException e) {
        throw bad;
      }
    }
    Duration d = Duration.ofNanos(total.longValue());
    return negative ? d.negated() : d;
  }
}
