package io.ketch.server.v2;

import io.ketch.server.gateway.GoJsonText;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * v2 nodes printed as etcd prints them (its NodeExtern through Go's encoding/json): fields in the
 * order key, value, dir, expiration, ttl, nodes, modifiedIndex, createdIndex, each left out when
 * empty; the root has no key and no indexes.
 */
final class V2Json {
  private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss")
      .withZone(ZoneOffset.UTC);

  /** A node with, for a listed directory, the nodes listed under it (null: not listed). */
  record Tree(V2Node node, List<Tree> nodes) {}

  private V2Json() {}

  static void node(StringBuilder b, V2Node n, long nowNanos) {
    tree(b, new Tree(n, null), nowNanos);
  }

  static void tree(StringBuilder b, Tree t, long nowNanos) {
    V2Node n = t.node();
    b.append('{');
    int start = b.length();
    if (!n.path().equals(V2Path.ROOT)) {
      b.append("\"key\":").append(GoJsonText.quote(n.path()));
    }
    if (n.value() != null) {
      comma(b, start).append("\"value\":").append(GoJsonText.quote(n.value()));
    }
    if (n.dir()) {
      comma(b, start).append("\"dir\":true");
    }
    if (!n.permanent()) {
      comma(b, start).append("\"expiration\":\"").append(time(n.expireNanos())).append('"');
      long ttl = ttl(n.expireNanos(), nowNanos);
      if (ttl != 0) {
        b.append(",\"ttl\":").append(ttl);
      }
    }
    if (t.nodes() != null && !t.nodes().isEmpty()) {
      comma(b, start).append("\"nodes\":[");
      for (int i = 0; i < t.nodes().size(); i++) {
        if (i > 0) {
          b.append(',');
        }
        tree(b, t.nodes().get(i), nowNanos);
      }
      b.append(']');
    }
    if (n.modifiedIndex() != 0) {
      comma(b, start).append("\"modifiedIndex\":").append(n.modifiedIndex());
    }
    if (n.createdIndex() != 0) {
      comma(b, start).append("\"createdIndex\":").append(n.createdIndex());
    }
    b.append('}');
  }

  /** Seconds left, rounded up (etcd's expirationAndTTL). */
  static long ttl(long expireNanos, long nowNanos) {
    long left = expireNanos - nowNanos;
    long ttl = left / 1_000_000_000L;
    if (left % 1_000_000_000L > 0) {
      ttl++;
    }
    return ttl;
  }

  /** Go's RFC 3339 with nanoseconds, trailing zeros of the fraction dropped, in UTC. */
  static String time(long unixNanos) {
    Instant t = Instant.ofEpochSecond(Math.floorDiv(unixNanos, 1_000_000_000L), Math.floorMod(unixNanos, 1_000_000_000L));
    StringBuilder s = new StringBuilder(SECONDS.format(t));
    if (t.getNano() != 0) {
      String frac = String.format("%09d", t.getNano());
      int end = frac.length();
      while (frac.charAt(end - 1) == '0') {
        end--;
      }
      s.append('.').append(frac, 0, end);
    }
    return s.append('Z').toString();
  }

  private static StringBuilder comma(StringBuilder b, int start) {
    if (b.length() > start) {
      b.append(',');
    }
    return b;
  }
}
