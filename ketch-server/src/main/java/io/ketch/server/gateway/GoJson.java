package io.ketch.server.gateway;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A JSON reader that fails as Go's {@code encoding/json} does, with its messages: etcd's gateway reads
 * request bodies with Go's decoder, and clients see its texts ({@code invalid character '}' looking
 * for beginning of object key string}, {@code unexpected EOF}), so Ketch's gateway gives the same.
 *
 * <p>{@link #decode} reads the first value of a body as Go's {@code json.Decoder} does (what follows it
 * is not read; an empty body is no value); {@link #unmarshal} reads a whole text as
 * {@code json.Unmarshal} does (trailing text is an error). Values keep their raw text, which the
 * protobuf mapping needs (jsonpb re-reads a quoted number's text as JSON).
 */
final class GoJson {
  /** A JSON value: its kind, its raw text, and its members or elements. */
  record Value(Kind kind, String raw, Map<String, Value> members, List<Value> elements) {
    /** The string's content (kind STRING), escapes decoded. */
    String text() {
      return decodeString(raw);
    }

    /** How Go names the kind in "cannot unmarshal X into": string, number, bool, array, object. */
    String goKind() {
      return switch (kind) {
        case STRING -> "string";
        case NUMBER -> "number";
        case BOOL -> "bool";
        case ARRAY -> "array";
        case OBJECT -> "object";
        case NULL -> "null";
      };
    }
  }

  enum Kind { OBJECT, ARRAY, STRING, NUMBER, BOOL, NULL }

  /** Go's error, with its message. */
  static final class SyntaxError extends Exception {
    SyntaxError(String message) {
      super(message, null, false, false);
    }
  }

  private final String in;
  private final boolean wholeText;
  private int pos;

  private GoJson(String in, boolean wholeText) {
    this.in = in;
    this.wholeText = wholeText;
  }

  /** The first value of {@code body} as Go's json.Decoder reads it; null when the body holds none. */
  static Value decode(byte[] body) throws SyntaxError {
    return decoder(body).next();
  }

  /** Go's json.Decoder over {@code body}: values one after another (a streaming request's messages). */
  static Decoder decoder(byte[] body) {
    return new Decoder(new GoJson(new String(body, StandardCharsets.UTF_8), false));
  }

  /** Successive values of one body. */
  static final class Decoder {
    private final GoJson reader;

    private Decoder(GoJson reader) {
      this.reader = reader;
    }

    /** The next value; null at the end of the body (io.EOF). */
    Value next() throws SyntaxError {
      reader.skipSpace();
      if (reader.pos == reader.in.length()) {
        return null;
      }
      return reader.value();
    }
  }

  /** {@code text} as Go's json.Unmarshal reads it: one value and nothing after it. */
  static Value unmarshal(String text) throws SyntaxError {
    GoJson r = new GoJson(text, true);
    r.skipSpace();
    if (r.pos == r.in.length()) {
      throw new SyntaxError("unexpected end of JSON input");
    }
    Value v = r.value();
    r.skipSpace();
    if (r.pos < r.in.length()) {
      throw r.invalid("after top-level value");
    }
    return v;
  }

  private Value value() throws SyntaxError {
    if (pos >= in.length()) {
      throw eof();
    }
    char c = in.charAt(pos);
    return switch (c) {
      case '{' -> object();
      case '[' -> array();
      case '"' -> string();
      case 't' -> literal("true", Kind.BOOL);
      case 'f' -> literal("false", Kind.BOOL);
      case 'n' -> literal("null", Kind.NULL);
      default -> {
        if (c == '-' || c >= '0' && c <= '9') {
          yield number();
        }
        throw invalid("looking for beginning of value");
      }
    };
  }

  private Value object() throws SyntaxError {
    int start = pos++;
    Map<String, Value> members = new LinkedHashMap<>();
    skipSpace();
    if (peek() == '}') {
      pos++;
      return new Value(Kind.OBJECT, in.substring(start, pos), members, List.of());
    }
    while (true) {
      skipSpace();
      if (pos >= in.length()) {
        throw eof();
      }
      if (in.charAt(pos) != '"') {
        throw invalid("looking for beginning of object key string");
      }
      String key = string().text();
      skipSpace();
      if (pos >= in.length()) {
        throw eof();
      }
      if (in.charAt(pos) != ':') {
        throw invalid("after object key");
      }
      pos++;
      skipSpace();
      members.put(key, value());
      skipSpace();
      if (pos >= in.length()) {
        throw eof();
      }
      char c = in.charAt(pos);
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        return new Value(Kind.OBJECT, in.substring(start, pos), members, List.of());
      } else {
        throw invalid("after object key:value pair");
      }
    }
  }

  private Value array() throws SyntaxError {
    int start = pos++;
    List<Value> elements = new ArrayList<>();
    skipSpace();
    if (peek() == ']') {
      pos++;
      return new Value(Kind.ARRAY, in.substring(start, pos), Map.of(), elements);
    }
    while (true) {
      skipSpace();
      elements.add(value());
      skipSpace();
      if (pos >= in.length()) {
        throw eof();
      }
      char c = in.charAt(pos);
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        return new Value(Kind.ARRAY, in.substring(start, pos), Map.of(), elements);
      } else {
        throw invalid("after array element");
      }
    }
  }

  private Value string() throws SyntaxError {
    int start = pos++;
    while (true) {
      if (pos >= in.length()) {
        throw eof();
      }
      char c = in.charAt(pos);
      if (c == '"') {
        pos++;
        return new Value(Kind.STRING, in.substring(start, pos), Map.of(), List.of());
      }
      if (c < 0x20) {
        throw invalid("in string literal");
      }
      if (c == '\\') {
        pos++;
        if (pos >= in.length()) {
          throw eof();
        }
        char e = in.charAt(pos);
        if (e == 'u') {
          for (int i = 0; i < 4; i++) {
            pos++;
            if (pos >= in.length()) {
              throw eof();
            }
            if (Character.digit(in.charAt(pos), 16) < 0) {
              throw invalid("in \\u hexadecimal character escape");
            }
          }
        } else if ("\"\\/bfnrt".indexOf(e) < 0) {
          throw invalid("in string escape code");
        }
      }
      pos++;
    }
  }

  private Value number() throws SyntaxError {
    int start = pos;
    if (in.charAt(pos) == '-') {
      pos++;
      if (pos >= in.length()) {
        throw eof();
      }
      if (!digit(in.charAt(pos))) {
        throw invalid("in numeric literal");
      }
    }
    if (in.charAt(pos) == '0') {
      pos++;
    } else {
      while (pos < in.length() && digit(in.charAt(pos))) {
        pos++;
      }
    }
    if (pos < in.length() && in.charAt(pos) == '.') {
      pos++;
      if (pos >= in.length()) {
        throw eof();
      }
      if (!digit(in.charAt(pos))) {
        throw invalid("after decimal point in numeric literal");
      }
      while (pos < in.length() && digit(in.charAt(pos))) {
        pos++;
      }
    }
    if (pos < in.length() && (in.charAt(pos) == 'e' || in.charAt(pos) == 'E')) {
      pos++;
      if (pos < in.length() && (in.charAt(pos) == '+' || in.charAt(pos) == '-')) {
        pos++;
      }
      if (pos >= in.length()) {
        throw eof();
      }
      if (!digit(in.charAt(pos))) {
        throw invalid("in exponent of numeric literal");
      }
      while (pos < in.length() && digit(in.charAt(pos))) {
        pos++;
      }
    }
    return new Value(Kind.NUMBER, in.substring(start, pos), Map.of(), List.of());
  }

  private Value literal(String word, Kind kind) throws SyntaxError {
    int start = pos;
    for (int i = 0; i < word.length(); i++) {
      if (pos >= in.length()) {
        throw eof();
      }
      if (in.charAt(pos) != word.charAt(i)) {
        throw invalid("in literal " + word + " (expecting " + quoteChar(word.charAt(i)) + ")");
      }
      pos++;
    }
    return new Value(kind, in.substring(start, pos), Map.of(), List.of());
  }

  private char peek() {
    return pos < in.length() ? in.charAt(pos) : 0;
  }

  private void skipSpace() {
    while (pos < in.length()) {
      char c = in.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private static boolean digit(char c) {
    return c >= '0' && c <= '9';
  }

  private SyntaxError eof() {
    return new SyntaxError(wholeText ? "unexpected end of JSON input" : "unexpected EOF");
  }

  private SyntaxError invalid(String context) {
    return new SyntaxError("invalid character " + quoteChar(in.charAt(pos)) + " " + context);
  }

  /** Go's quoteChar: the character in single quotes, escaped as in a Go string. */
  static String quoteChar(char c) {
    if (c == '\'') {
      return "'\\''";
    }
    if (c == '"') {
      return "'\"'";
    }
    String s = switch (c) {
      case '\\' -> "\\\\";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case 0x07 -> "\\a";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case 0x0b -> "\\v";
      default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    };
    return "'" + s + "'";
  }

  /** A JSON string token's content (the token is known to be well formed). */
  static String decodeString(String token) {
    StringBuilder b = new StringBuilder(token.length());
    for (int i = 1; i < token.length() - 1; i++) {
      char c = token.charAt(i);
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = token.charAt(++i);
      switch (e) {
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          b.append((char) Integer.parseInt(token.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> b.append(e);
      }
    }
    return b.toString();
  }
}
