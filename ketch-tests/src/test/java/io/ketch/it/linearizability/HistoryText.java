package io.ketch.it.linearizability;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Histories written one operation a line, for tables of test cases:
 *
 * <pre>
 *   c1 0 10 put a            a put by client c1 from t=0 to t=10
 *   c2 5 ?  put b            an indeterminate put
 *   c3 2 4  get -> a         a get that read "a"; "-> absent" reads nothing
 *   c1 11 12 cas absent b -> failed
 *   y: c1 0 1 delete         a delete of key "y" (the key is "k" unless given)
 * </pre>
 */
final class HistoryText {
  private HistoryText() {}

  static List<Operation> parse(String... lines) {
    List<Operation> ops = new ArrayList<>();
    for (String line : lines) {
      ops.add(parseLine(line.trim()));
    }
    return ops;
  }

  private static Operation parseLine(String line) {
    String key = "k";
    int colon = line.indexOf(':');
    if (colon >= 0) {
      key = line.substring(0, colon).trim();
      line = line.substring(colon + 1).trim();
    }
    String[] sides = line.split("->");
    List<String> t = Arrays.asList(sides[0].trim().split("\\s+"));
    String client = t.get(0);
    long invoke = Long.parseLong(t.get(1));
    Op op = switch (t.get(3)) {
      case "put" -> Op.put(t.get(4));
      case "get" -> Op.get();
      case "cas" -> Op.cas(value(t.get(4)), t.get(5));
      case "delete" -> Op.delete();
      default -> throw new IllegalArgumentException("unknown operation in: " + line);
    };
    if (t.get(2).equals("?")) {
      return Operation.indeterminate(client, key, op, invoke);
    }
    long complete = Long.parseLong(t.get(2));
    Result result;
    if (sides.length == 1) {
      result = Result.ok();
    } else {
      String r = sides[1].trim();
      result = op instanceof Op.Get ? Result.read(value(r)) : r.equals("failed") ? Result.failed() : Result.ok();
    }
    return Operation.completed(client, key, op, invoke, complete, result);
  }

  private static String value(String token) {
    return token.equals("absent") ? Op.ABSENT : token;
  }
}
