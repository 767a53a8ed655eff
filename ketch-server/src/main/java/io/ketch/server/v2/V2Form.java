package io.ketch.server.v2;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A v2 request's form as Go's {@code Request.ParseForm} reads it: the url-encoded body of a PUT or
 * POST (only with an {@code application/x-www-form-urlencoded} content type) before the query's
 * values, and the first parse error in Go's words ({@code invalid URL escape "%zz"},
 * {@code invalid semicolon separator in query}).
 */
final class V2Form {
  private final Map<String, List<String>> values = new LinkedHashMap<>();
  private String error;

  private V2Form() {}

  static V2Form parse(String method, String rawQuery, String contentType, byte[] body) {
    V2Form f = new V2Form();
    if ((method.equals("PUT") || method.equals("POST") || method.equals("PATCH")) && isForm(contentType)) {
      f.add(new String(body, StandardCharsets.ISO_8859_1));
    }
    if (rawQuery != null) {
      f.add(rawQuery);
    }
    return f;
  }

  private static boolean isForm(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String ct = (semi < 0 ? contentType : contentType.substring(0, semi)).trim();
    return ct.equalsIgnoreCase("application/x-www-form-urlencoded");
  }

  private void add(String raw) {
    for (String pair : raw.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      if (pair.indexOf(';') >= 0) {
        fail("invalid semicolon separator in query");
        continue;
      }
      int eq = pair.indexOf('=');
      String key = unescape(eq < 0 ? pair : pair.substring(0, eq));
      String value = eq < 0 ? "" : unescape(pair.substring(eq + 1));
      if (key == null || value == null) {
        continue;
      }
      values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }
  }

  /** Go's QueryUnescape: '+' is a space, %XX a byte; null (and the error kept) for a bad escape. */
  private String unescape(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || hex(s.charAt(i + 1)) < 0 || hex(s.charAt(i + 2)) < 0) {
          String bad = s.substring(i, Math.min(s.length(), i + 3));
          fail("invalid URL escape \"" + bad + "\"");
          return null;
        }
        out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 2;
      } else if (c == '+') {
        out.write(' ');
      } else {
        out.write((byte) c);
      }
    }
    return GoBytes.decode(out.toByteArray());
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  private void fail(String why) {
    if (error == null) {
      error = why;
    }
  }

  /** The first parse error, or null. */
  String error() {
    return error;
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The first value of {@code key}, or "" (Go's FormValue). */
  String value(String key) {
    List<String> v = values.get(key);
    return v == null || v.isEmpty() ? "" : v.get(0);
  }
}
