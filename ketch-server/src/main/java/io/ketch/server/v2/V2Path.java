package io.ketch.server.v2;

import java.util.ArrayList;
import java.util.List;

/** Node paths of the v2 keys API: absolute, cleaned as Go's {@code path.Clean} cleans them. */
final class V2Path {
  static final String ROOT = "/";

  private V2Path() {}

  /** {@code p} made absolute and cleaned: no empty, "." or ".." elements, no trailing slash. */
  static String clean(String p) {
    List<String> parts = new ArrayList<>();
    for (String e : p.split("/")) {
      if (e.isEmpty() || e.equals(".")) {
        continue;
      }
      if (e.equals("..")) {
        if (!parts.isEmpty()) {
          parts.remove(parts.size() - 1);
        }
        continue;
      }
      parts.add(e);
    }
    return parts.isEmpty() ? ROOT : "/" + String.join("/", parts);
  }

  /** The directory holding {@code p} (a cleaned path other than the root). */
  static String parent(String p) {
    int slash = p.lastIndexOf('/');
    return slash == 0 ? ROOT : p.substring(0, slash);
  }

  /** The last element of {@code p}. */
  static String name(String p) {
    return p.substring(p.lastIndexOf('/') + 1);
  }

  /** {@code p} joined under directory {@code dir}. */
  static String child(String dir, String name) {
    return dir.equals(ROOT) ? "/" + name : dir + "/" + name;
  }

  /** The directories above {@code p}, from the root's first child down (the root itself left out). */
  static List<String> ancestors(String p) {
    List<String> out = new ArrayList<>();
    int from = 1;
    int slash;
    while ((slash = p.indexOf('/', from)) > 0) {
      out.add(p.substring(0, slash));
      from = slash + 1;
    }
    return out;
  }

  /** Whether {@code p} is {@code dir} or below it. */
  static boolean within(String p, String dir) {
    return dir.equals(ROOT) || p.equals(dir) || p.startsWith(dir + "/");
  }

  /** Hidden nodes (names starting with '_') are left out of listings. */
  static boolean hidden(String p) {
    String name = name(p);
    return !name.isEmpty() && name.charAt(0) == '_';
  }

  /** Whether {@code key}, seen from a watcher of {@code watched} above it, passes through a hidden element. */
  static boolean hiddenBelow(String watched, String key) {
    if (watched.length() > key.length()) {
      return false;
    }
    return clean("/" + key.substring(watched.length())).contains("/_");
  }
}
