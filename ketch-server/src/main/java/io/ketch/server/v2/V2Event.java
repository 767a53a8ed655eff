package io.ketch.server.v2;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * One change of the v2 tree, as a write answers it and a watcher receives it: the store index it
 * made, the action (set, create, update, compareAndSwap, delete, compareAndDelete, expire), the key,
 * whether the node removed was a directory (a watcher below a removed directory is told), whether it
 * only refreshed a TTL (never sent to watchers), and the JSON body, fixed when the change was made
 * (a TTL in it counts from then, as etcd's history keeps it).
 *
 * <p>Stored as the value of {@link V2Keyspace#EVENT}: five lines (the key in hex), then the JSON.
 */
record V2Event(long index, String action, String key, boolean removedDir, boolean refresh, String json) {
  static V2Event of(long index, String action, V2Node node, V2Node prevNode, boolean refresh, long nowNanos) {
    StringBuilder b = new StringBuilder("{\"action\":\"").append(action).append("\",\"node\":");
    V2Json.node(b, node, nowNanos);
    if (prevNode != null) {
      b.append(",\"prevNode\":");
      V2Json.node(b, prevNode, nowNanos);
    }
    b.append("}\n");
    boolean removedDir = prevNode != null && prevNode.dir()
        && (action.equals("delete") || action.equals("expire"));
    return new V2Event(index, action, node.path(), removedDir, refresh, b.toString());
  }

  /**
   * Whether a watcher of {@code watched} ({@code recursive} or not) is told of this event: as etcd's
   * event history scan decides for an event that was already there when the watch began
   * ({@code fromHistory}: plain string prefixes, hidden keys included), as its watcher hub decides
   * for one that comes later.
   */
  boolean concerns(String watched, boolean recursive, boolean fromHistory) {
    if (refresh) {
      return false;
    }
    if (fromHistory) {
      String below = watched.endsWith("/") ? watched : watched + "/";
      return key.equals(watched) || (recursive && key.startsWith(below)) || (removedDir && watched.startsWith(key));
    }
    if (key.equals(watched)) {
      return true;
    }
    if (V2Path.within(key, watched)) {
      return recursive && !V2Path.hiddenBelow(watched, key);
    }
    return removedDir && V2Path.within(watched, key);
  }

  ByteString encode() {
    return ByteString.copyFrom(index + "\n" + action + "\n" + HexFormat.of().formatHex(GoBytes.encode(key)) + "\n" + (removedDir ? 1 : 0) + "\n"
        + (refresh ? 1 : 0) + "\n" + json, StandardCharsets.UTF_8);
  }

  static V2Event decode(ByteString value) {
    String[] p = value.toStringUtf8().split("\n", 6);
    return new V2Event(Long.parseLong(p[0]), p[1], GoBytes.decode(HexFormat.of().parseHex(p[2])), p[3].equals("1"), p[4].equals("1"), p[5]);
  }
}
