package io.ketch.server.v2;

import io.ketch.server.gateway.GoJsonText;
import java.util.Map;

/**
 * An error of etcd's v2 keys API: its numeric code, message and HTTP status (etcd's v2error
 * table), the cause (usually the key) and the store index when it happened.
 */
public final class V2Error extends RuntimeException {
  public static final int KEY_NOT_FOUND = 100;
  public static final int TEST_FAILED = 101;
  public static final int NOT_FILE = 102;
  public static final int NOT_DIR = 104;
  public static final int NODE_EXIST = 105;
  public static final int ROOT_READ_ONLY = 107;
  public static final int DIR_NOT_EMPTY = 108;
  public static final int UNAUTHORIZED = 110;
  public static final int PREV_VALUE_REQUIRED = 201;
  public static final int TTL_NAN = 202;
  public static final int INDEX_NAN = 203;
  public static final int INVALID_FIELD = 209;
  public static final int INVALID_FORM = 210;
  public static final int REFRESH_VALUE = 211;
  public static final int REFRESH_TTL_REQUIRED = 212;
  public static final int RAFT_INTERNAL = 300;
  public static final int LEADER_ELECT = 301;
  public static final int EVENT_INDEX_CLEARED = 401;

  private static final Map<Integer, String> MESSAGES = Map.ofEntries(
      Map.entry(KEY_NOT_FOUND, "Key not found"),
      Map.entry(TEST_FAILED, "Compare failed"),
      Map.entry(NOT_FILE, "Not a file"),
      Map.entry(NOT_DIR, "Not a directory"),
      Map.entry(NODE_EXIST, "Key already exists"),
      Map.entry(ROOT_READ_ONLY, "Root is read only"),
      Map.entry(DIR_NOT_EMPTY, "Directory not empty"),
      Map.entry(UNAUTHORIZED, "The request requires user authentication"),
      Map.entry(PREV_VALUE_REQUIRED, "PrevValue is Required in POST form"),
      Map.entry(TTL_NAN, "The given TTL in POST form is not a number"),
      Map.entry(INDEX_NAN, "The given index in POST form is not a number"),
      Map.entry(INVALID_FIELD, "Invalid field"),
      Map.entry(INVALID_FORM, "Invalid POST form"),
      Map.entry(REFRESH_VALUE, "Value provided on refresh"),
      Map.entry(REFRESH_TTL_REQUIRED, "A TTL must be provided on refresh"),
      Map.entry(RAFT_INTERNAL, "Raft Internal Error"),
      Map.entry(LEADER_ELECT, "During Leader Election"),
      Map.entry(EVENT_INDEX_CLEARED, "The event in requested index is outdated and cleared"));

  private static final Map<Integer, Integer> STATUSES = Map.of(
      KEY_NOT_FOUND, 404,
      NOT_FILE, 403,
      DIR_NOT_EMPTY, 403,
      UNAUTHORIZED, 401,
      TEST_FAILED, 412,
      NODE_EXIST, 412,
      RAFT_INTERNAL, 500,
      LEADER_ELECT, 500);

  private final int code;
  private final String cause;
  private final long index;

  public V2Error(int code, String cause, long index) {
    super(MESSAGES.get(code) + " (" + cause + ")", null, false, false);
    this.code = code;
    this.cause = cause;
    this.index = index;
  }

  /** An error found in the request itself, before the store was looked at (index 0). */
  static V2Error request(int code, String cause) {
    return new V2Error(code, cause, 0);
  }

  public int code() {
    return code;
  }

  public long index() {
    return index;
  }

  /** The same error at another store index. */
  V2Error at(long otherIndex) {
    return new V2Error(code, cause, otherIndex);
  }

  /** etcd's HTTP status for the code (400 for those its table does not name). */
  public int status() {
    return STATUSES.getOrDefault(code, 400);
  }

  /** The body etcd writes: {@code {"errorCode":..,"message":..,"cause":..,"index":..}} and a newline. */
  public String json() {
    StringBuilder b = new StringBuilder("{\"errorCode\":").append(code)
        .append(",\"message\":").append(GoJsonText.quote(MESSAGES.get(code)));
    if (!cause.isEmpty()) {
      b.append(",\"cause\":").append(GoJsonText.quote(cause));
    }
    return b.append(",\"index\":").append(index).append("}\n").toString();
  }
}
