package io.ketch.server.gateway;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A request URI's query parameters, as Go's url.Values reads them. */
public final class QueryString {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  private QueryString() {}

  /** The parameters of {@code rawQuery} (the text after '?', or null). */
  public static QueryString parse(String rawQuery) {
    QueryString q = new QueryString();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return q;
    }
    for (String pair : rawQuery.split("[&;]")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
      q.values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
    return q;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }

  public boolean has(String key) {
    return values.containsKey(key);
  }

  /** The first value of {@code key}, or null. */
  public String first(String key) {
    List<String> v = values.get(key);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  /** Every value of {@code key}, comma-separated lists split (etcd's getQuerySet). */
  public Set<String> set(String key) {
    Set<String> out = new HashSet<>();
    for (String v : values.getOrDefault(key, List.of())) {
      for (String part : v.split(",")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
    }
    return out;
  }
}
