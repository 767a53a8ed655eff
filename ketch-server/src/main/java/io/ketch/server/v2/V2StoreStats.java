package io.ketch.server.v2;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code /v2/stats/store}: this member's counts of v2 operations, by kind and outcome, in etcd's
 * field order (counted where the request was served, not replicated).
 */
final class V2StoreStats {
  private static final String[][] FIELDS = {
      {"get", "getsSuccess", "getsFail"},
      {"set", "setsSuccess", "setsFail"},
      {"delete", "deleteSuccess", "deleteFail"},
      {"update", "updateSuccess", "updateFail"},
      {"create", "createSuccess", "createFail"},
      {"compareAndSwap", "compareAndSwapSuccess", "compareAndSwapFail"},
      {"compareAndDelete", "compareAndDeleteSuccess", "compareAndDeleteFail"}};

  private final ConcurrentHashMap<String, AtomicLong> counts = new ConcurrentHashMap<>();

  void read(boolean ok) {
    wrote("get", ok);
  }

  void wrote(String action, boolean ok) {
    counts.computeIfAbsent(action + (ok ? "+" : "-"), k -> new AtomicLong()).incrementAndGet();
  }

  String json(long expired, long watchers) {
    StringBuilder b = new StringBuilder("{");
    for (String[] f : FIELDS) {
      b.append('"').append(f[1]).append("\":").append(count(f[0] + "+")).append(",\"")
          .append(f[2]).append("\":").append(count(f[0] + "-")).append(',');
    }
    return b.append("\"expireCount\":").append(expired).append(",\"watchers\":").append(watchers).append('}')
        .toString();
  }

  private long count(String key) {
    AtomicLong c = counts.get(key);
    return c == null ? 0 : c.get();
  }
}
