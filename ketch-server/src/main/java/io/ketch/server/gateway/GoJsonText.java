package io.ketch.server.gateway;

/** JSON text as Go's encoding/json writes it (what etcd's gateway answers carry). */
public final class GoJsonText {
  private GoJsonText() {}

  /** {@code s} as a Go JSON string: HTML characters and U+2028/U+2029 escaped as Go escapes them. */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> b.append(String.format("\\u%04x", (int) c));
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
            b.append(c).append(s.charAt(++i));
          } else if (Character.isSurrogate(c)) {
            b.append("\\ufffd"); // a byte that is not UTF-8, as Go writes it
          } else if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /**
   * protobuf's JsonFormat output with its escapes turned into Go's: JsonFormat also escapes
   * {@code =} and {@code '}, which Go leaves as they are.
   */
  static String fromJsonFormat(String json) {
    if (json.indexOf("\\u00") < 0) {
      return json;
    }
    StringBuilder b = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c == '\\' && i + 1 < json.length()) {
        char e = json.charAt(i + 1);
        if (e == 'u' && i + 5 < json.length()) {
          String hex = json.substring(i + 2, i + 6);
          if (hex.equals("003d") || hex.equals("0027")) {
            b.append((char) Integer.parseInt(hex, 16));
            i += 5;
            continue;
          }
        }
        b.append(c).append(e);
        i++;
        continue;
      }
      b.append(c);
    }
    return b.toString();
  }
}
