package io.ketch.server.v2;

import java.util.Optional;
import java.util.Set;

/**
 * A {@code /v2/keys} request after etcd's parseKeyRequest: the same checks in the same order, each
 * refused with etcd's code and cause.
 */
record V2Request(V2Store.Write write, boolean recursive, boolean sorted, boolean waits, boolean stream,
    long waitIndex, boolean noValueOnSuccess) {
  /** Actions whose answer drops the nodes with {@code noValueOnSuccess=true}. */
  static final Set<String> HIDES_VALUE = Set.of("set", "compareAndSwap", "create", "update");
  private static final long MAX_TTL_SECONDS = 100L * 365 * 24 * 3600;

  /** Parses the request for {@code keyPath} (the decoded path after {@code /v2/keys}); TTLs count from {@code nowNanos}. */
  static V2Request parse(String method, String keyPath, V2Form f, long nowNanos) {
    if (f.error() != null) {
      throw V2Error.request(V2Error.INVALID_FORM, f.error());
    }
    String path = V2Path.clean("/" + keyPath);
    long prevIndex = uint(f, "prevIndex", V2Error.INDEX_NAN, "invalid value for \"prevIndex\"");
    long waitIndex = uint(f, "waitIndex", V2Error.INDEX_NAN, "invalid value for \"waitIndex\"");
    boolean recursive = flag(f, "recursive");
    boolean sorted = flag(f, "sorted");
    boolean wait = flag(f, "wait");
    boolean dir = flag(f, "dir");
    flag(f, "quorum");
    boolean stream = flag(f, "stream");
    if (wait && !method.equals("GET")) {
      throw V2Error.request(V2Error.INVALID_FIELD, "\"wait\" can only be used with GET requests");
    }
    String prevValue = f.value("prevValue");
    if (f.has("prevValue") && prevValue.isEmpty()) {
      throw V2Error.request(V2Error.PREV_VALUE_REQUIRED, "\"prevValue\" cannot be empty");
    }
    boolean noValueOnSuccess = flag(f, "noValueOnSuccess");
    Long ttl = null;
    if (!f.value("ttl").isEmpty()) {
      ttl = uint(f, "ttl", V2Error.TTL_NAN, "invalid value for \"ttl\"");
    }
    Boolean prevExist = null;
    if (f.has("prevExist")) {
      prevExist = bool(f.value("prevExist")).orElseThrow(() ->
          V2Error.request(V2Error.INVALID_FIELD, "invalid value for prevExist"));
    }
    boolean refresh = false;
    if (f.has("refresh")) {
      refresh = bool(f.value("refresh")).orElseThrow(() ->
          V2Error.request(V2Error.INVALID_FIELD, "invalid value for refresh"));
      if (refresh) {
        if (f.has("value") && !f.value("value").isEmpty()) {
          throw V2Error.request(V2Error.REFRESH_VALUE, "A value was provided on a refresh");
        }
        if (ttl == null) {
          throw V2Error.request(V2Error.REFRESH_TTL_REQUIRED, "No TTL value set");
        }
      }
    }
    // a TTL past a century is taken as a century (Go's duration arithmetic would overflow there)
    long expire = ttl == null ? 0 : nowNanos + Math.min(ttl, MAX_TTL_SECONDS) * 1_000_000_000L;
    V2Store.Write w = new V2Store.Write(method, path, f.value("value"), dir, prevValue, prevIndex, prevExist,
        recursive, expire, refresh);
    return new V2Request(w, recursive, sorted, wait, stream, waitIndex, noValueOnSuccess);
  }

  /** The store operation a write is (etcd's stats count successes and failures per operation). */
  String action() {
    V2Store.Write w = write;
    boolean compares = w.prevIndex() > 0 || !w.prevValue().isEmpty();
    return switch (w.method()) {
      case "POST" -> "create";
      case "DELETE" -> compares ? "compareAndDelete" : "delete";
      default -> w.prevExist() != null
          ? (w.prevExist() ? (compares ? "compareAndSwap" : "update") : "create")
          : (compares ? "compareAndSwap" : "set");
    };
  }

  /** Go's strconv.ParseBool. */
  static Optional<Boolean> bool(String s) {
    return switch (s) {
      case "1", "t", "T", "TRUE", "true", "True" -> Optional.of(true);
      case "0", "f", "F", "FALSE", "false", "False" -> Optional.of(false);
      default -> Optional.empty();
    };
  }

  private static boolean flag(V2Form f, String key) {
    if (!f.has(key)) {
      return false;
    }
    return bool(f.value(key)).orElseThrow(() ->
        V2Error.request(V2Error.INVALID_FIELD, "invalid value for \"" + key + "\""));
  }

  /** Go's strconv.ParseUint(s, 10, 64) of the first value, 0 when absent. */
  private static long uint(V2Form f, String key, int code, String cause) {
    if (!f.has(key)) {
      return 0;
    }
    String s = f.value(key);
    if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw V2Error.request(code, cause);
    }
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw V2Error.request(code, cause);
    }
  }
}
