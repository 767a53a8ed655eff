package io.ketch.it.cluster;

import io.ketch.it.Etcdctl;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites what etcdctl printed about one cluster into a form comparable with what it printed about
 * another cluster started the same way (etcd's and Ketch's). Only what must differ between two such
 * clusters is rewritten, and into placeholders that keep its meaning:
 *
 * <ul>
 *   <li>Member and cluster IDs become {@code {m2}} (hex) / {@code {m2:dec}} (decimal) and
 *       {@code {cluster}} / {@code {cluster:dec}}, by the member's slot: an ID printed in the wrong
 *       place, or in the wrong base, still shows. The IDs are learned from the cluster's own
 *       {@code member list -w json} ({@link #learn}), by peer URL, so unstarted members too.
 *   <li>Ports of 127.0.0.1 URLs become {@code {m2.client}} / {@code {m2.peer}}.
 *   <li>Rows etcdctl prints in member-ID order (member list, endpoint status --cluster, the members of
 *       a JSON response, the ETCD_INITIAL_CLUSTER entries) are checked to be in this cluster's ID
 *       order, then put in slot order: the two clusters' IDs order their members differently. Rows
 *       out of order leave a marker line behind, which the comparison shows.
 *   <li>endpoint status: version, DB size, raft term, index and applied index (and in JSON the
 *       header's raft_term everywhere); endpoint health: the "took" durations, and the order of its
 *       lines (completion order).
 *   <li>What etcdctl derives from those values alone: table borders and padding, the %16x padding of
 *       IDs in "Member ... added to cluster ..." lines.
 *   <li>The timestamp and random client ID in clientv3's retry warnings (their gRPC code stays).
 * </ul>
 */
final class EtcdctlCanon {
  static final String OUT_OF_ORDER = "(!! the rows above are not in member-ID order)";

  private static final Pattern TABLE_BORDER = Pattern.compile("^\\+[-+]*\\+$");
  private static final Pattern TABLE_ROW = Pattern.compile("^\\|(.*)\\|$");
  /** A member list row (ID first) or an endpoint status row (endpoint, then ID), simple or table. */
  private static final Pattern MEMBER_ROW = Pattern.compile("^(?:https?://[^ ,|]+(?:, | \\| ))?([0-9a-f]+)(?:, | \\| )");
  private static final Pattern STATUS_ROW = Pattern.compile("^https?://[^ ,|]+(, | \\| )[0-9a-f]+(, | \\| )");
  private static final Pattern HEALTH_LINE = Pattern.compile("^\\S+ is (?:un)?healthy: ");
  private static final Pattern TOOK = Pattern.compile("took = \\S+");
  private static final Pattern INITIAL_CLUSTER = Pattern.compile("^ETCD_INITIAL_CLUSTER=\"(.*)\"$");
  private static final Pattern JSON_ID = Pattern.compile("\"(?:ID|member_id)\":(\\d+)");
  private static final Pattern LOOPBACK_PORT = Pattern.compile("127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern MEMBER_JSON = Pattern.compile("\\{\"ID\":(\\d+)[^{}]*?\"peerURLs\":\\[\"([^\"]+)\"");
  private static final Pattern CLUSTER_ID_JSON = Pattern.compile("\"cluster_id\":(\\d+)");

  private final ClusterSlots cluster;
  private final int slots;
  /** Every member ID the cluster has had, with its slot; never forgets (removed members are still printed). */
  private final Map<Long, Integer> slotOf = new HashMap<>();
  /** The ID of the member each slot holds now. */
  private final Map<Integer, Long> idOf = new HashMap<>();
  private long clusterId;

  EtcdctlCanon(ClusterSlots cluster, int slots) {
    this.cluster = cluster;
    this.slots = slots;
  }

  /**
   * Learns the member and cluster IDs from {@code member list -w json} output; returns the slots of
   * members seen for the first time, with their IDs.
   */
  Map<Integer, Long> learn(String memberListJson) {
    Matcher c = CLUSTER_ID_JSON.matcher(memberListJson);
    if (!c.find()) {
      throw new IllegalStateException(cluster.label() + ": no cluster_id in " + memberListJson);
    }
    clusterId = Long.parseUnsignedLong(c.group(1));
    Map<Integer, Long> added = new HashMap<>();
    Matcher m = MEMBER_JSON.matcher(memberListJson);
    while (m.find()) {
      long id = Long.parseUnsignedLong(m.group(1));
      Integer slot = slotOfPeerUrl(m.group(2));
      if (slot != null && slotOf.put(id, slot) == null) {
        added.put(slot, id);
        idOf.put(slot, id);
      }
    }
    return added;
  }

  long clusterId() {
    return clusterId;
  }

  /** Whether a member of slot {@code slot} has been learned. */
  boolean known(int slot) {
    return idOf.containsKey(slot);
  }

  /** The ID of the member slot {@code slot} holds (the last one learned). */
  long id(int slot) {
    Long id = idOf.get(slot);
    if (id == null) {
      throw new IllegalStateException(cluster.label() + ": no member ID known for slot " + slot);
    }
    return id;
  }

  private Integer slotOfPeerUrl(String url) {
    for (int i = 1; i <= slots; i++) {
      if (cluster.peerUrl(i).equals(url)) {
        return i;
      }
    }
    return null;
  }

  /** The exit code, stdout and stderr of one run, each rewritten as the class comment says. */
  String canon(Etcdctl.Result r, boolean electedLeader) {
    return "exit=" + r.exit() + "\n--stdout--\n" + text(r.stdout(), electedLeader)
        + "--stderr--\n" + text(r.stderr(), electedLeader);
  }

  /**
   * {@code s} rewritten; with {@code electedLeader}, which member leads is not compared in endpoint
   * status rows (the cluster elected it), only that exactly one does.
   */
  private String text(String s, boolean electedLeader) {
    List<String> lines = new ArrayList<>();
    for (String line : s.split("\n", -1)) {
      if (TABLE_BORDER.matcher(line).matches()) {
        continue;
      }
      Matcher row = TABLE_ROW.matcher(line);
      if (row.matches()) {
        List<String> cells = new ArrayList<>();
        for (String cell : row.group(1).split("\\|", -1)) {
          cells.add(cell.trim());
        }
        line = String.join(" | ", cells);
      }
      if (line.startsWith("{\"level\":")) {
        line = line.replaceAll("\"ts\":\"[^\"]*\"", "\"ts\":\"{ts}\"").replaceAll("client-[0-9a-f-]+", "client-{uuid}");
      }
      line = TOOK.matcher(line).replaceAll("took = {took}");
      line = line.replaceAll("(Member|cluster) +([0-9a-f]+)", "$1 $2");
      if (line.startsWith("{") || line.startsWith("[")) {
        line = jsonInSlotOrder(line);
      }
      Matcher ic = INITIAL_CLUSTER.matcher(line);
      if (ic.matches()) {
        line = "ETCD_INITIAL_CLUSTER=\"" + initialClusterInSlotOrder(ic.group(1)) + "\"";
      }
      lines.add(line);
    }
    lines = rowsInSlotOrder(lines);
    lines = lines.stream().map(EtcdctlCanon::statusValues).toList();
    if (electedLeader) {
      lines = hideElectedLeader(lines);
    }
    lines = lines.stream().map(this::placeholders).toList();
    return String.join("\n", sortRuns(lines, l -> HEALTH_LINE.matcher(l).find()));
  }

  /** Sorts each run of consecutive member rows by slot, after checking it is in member-ID order. */
  private List<String> rowsInSlotOrder(List<String> lines) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      int j = i;
      while (j < lines.size() && memberRowId(lines.get(j)) != null) {
        j++;
      }
      if (j == i) {
        out.add(lines.get(i++));
        continue;
      }
      List<String> run = new ArrayList<>(lines.subList(i, j));
      boolean ordered = inIdOrder(run.stream().map(this::memberRowId).toList());
      run.sort(Comparator.comparing(l -> slotOf.get(memberRowId(l))));
      out.addAll(run);
      if (!ordered) {
        out.add(OUT_OF_ORDER);
      }
      i = j;
    }
    return out;
  }

  /** The known member ID a member or endpoint status row is about, or null. */
  private Long memberRowId(String line) {
    Matcher m = MEMBER_ROW.matcher(line);
    if (!m.find() || m.group(1).length() > 16) {
      return null;
    }
    long id = Long.parseUnsignedLong(m.group(1), 16);
    return slotOf.containsKey(id) ? id : null;
  }

  private static boolean inIdOrder(List<Long> ids) {
    for (int k = 1; k < ids.size(); k++) {
      if (Long.compareUnsigned(ids.get(k - 1), ids.get(k)) > 0) {
        return false;
      }
    }
    return true;
  }

  private static List<String> sortRuns(List<String> lines, Predicate<String> inRun) {
    List<String> out = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      int j = i;
      while (j < lines.size() && inRun.test(lines.get(j))) {
        j++;
      }
      if (j == i) {
        out.add(lines.get(i++));
        continue;
      }
      out.addAll(lines.subList(i, j).stream().sorted().toList());
      i = j;
    }
    return out;
  }

  /**
   * The members of a JSON response ({@code "members":[...]}, flat objects) and the elements of
   * endpoint status's JSON array, in slot order once checked to be in ID order.
   */
  private String jsonInSlotOrder(String json) {
    String members = "\"members\":[";
    int start = json.indexOf(members);
    if (start >= 0) {
      int from = start + members.length();
      int end = json.indexOf("}]", from);
      if (end > from) {
        return json.substring(0, from) + elementsInSlotOrder(json.substring(from, end + 1), "},{")
            + json.substring(end + 1);
      }
    }
    if (json.startsWith("[{\"Endpoint\":") && json.endsWith("]")) {
      return "[" + elementsInSlotOrder(json.substring(1, json.length() - 1), "},{\"Endpoint\":") + "]";
    }
    return json;
  }

  private String elementsInSlotOrder(String elements, String separator) {
    List<String> parts = new ArrayList<>(List.of(elements.split(Pattern.quote(separator), -1)));
    for (int k = 0; k < parts.size(); k++) {
      String p = parts.get(k);
      // put back what the split took off
      parts.set(k, (k == 0 ? "" : separator.substring(2)) + p + (k == parts.size() - 1 ? "" : "}"));
    }
    List<Long> ids = new ArrayList<>();
    for (String p : parts) {
      Matcher m = JSON_ID.matcher(p);
      Long id = m.find() ? Long.parseUnsignedLong(m.group(1)) : null;
      if (id == null || !slotOf.containsKey(id)) {
        return elements; // something we cannot place: compare it as it came
      }
      ids.add(id);
    }
    List<Integer> order = new ArrayList<>();
    for (int k = 0; k < parts.size(); k++) {
      order.add(k);
    }
    order.sort(Comparator.comparing(k -> slotOf.get(ids.get(k))));
    List<String> sorted = new ArrayList<>();
    for (int k : order) {
      sorted.add(parts.get(k));
    }
    return String.join(",", sorted) + (inIdOrder(ids) ? "" : OUT_OF_ORDER);
  }

  /** ETCD_INITIAL_CLUSTER's {@code name=peerURL} entries (in member-ID order) in slot order. */
  private String initialClusterInSlotOrder(String value) {
    List<String> entries = List.of(value.split(","));
    List<Long> ids = new ArrayList<>();
    for (String e : entries) {
      Integer slot = slotOfPeerUrl(e.substring(e.indexOf('=') + 1));
      if (slot == null) {
        return value;
      }
      ids.add(id(slot));
    }
    List<String> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparing(e -> slotOfPeerUrl(e.substring(e.indexOf('=') + 1))));
    return String.join(",", sorted) + (inIdOrder(ids) ? "" : OUT_OF_ORDER);
  }

  /** endpoint status: the values that differ between any two clusters (version, sizes, raft positions). */
  private static String statusValues(String line) {
    Matcher row = STATUS_ROW.matcher(line);
    if (row.find()) {
      String sep = row.group(1);
      String[] f = line.split(Pattern.quote(sep), -1);
      if (f.length == 10) {
        f[2] = "{version}";
        f[3] = "{db size}";
        f[6] = "{raft term}";
        f[7] = "{raft index}";
        f[8] = "{raft applied index}";
        return String.join(sep, f);
      }
    }
    return line.replaceAll("\"raft_term\":\\d+", "\"raft_term\":{raft term}")
        .replaceAll("\"raftTerm\":\\d+", "\"raftTerm\":{raft term}")
        .replaceAll("\"raftIndex\":\\d+", "\"raftIndex\":{raft index}")
        .replaceAll("\"raftAppliedIndex\":\\d+", "\"raftAppliedIndex\":{raft applied index}")
        .replaceAll("\"dbSize\":\\d+", "\"dbSize\":{db size}")
        .replaceAll("\"dbSizeInUse\":\\d+", "\"dbSizeInUse\":{db size in use}")
        .replaceAll("\"version\":\"[^\"]*\"", "\"version\":\"{version}\"");
  }

  /** IDs and loopback ports as placeholders named for the member's slot. */
  private String placeholders(String line) {
    line = LOOPBACK_PORT.matcher(line).replaceAll(m -> {
      int port = Integer.parseInt(m.group(1));
      for (int i = 1; i <= slots; i++) {
        if (cluster.clientPort(i) == port) {
          return "127.0.0.1:{m" + i + ".client}";
        }
        if (cluster.peerPort(i) == port) {
          return "127.0.0.1:{m" + i + ".peer}";
        }
      }
      return m.group();
    });
    Map<Long, String> names = new HashMap<>();
    slotOf.forEach((id, slot) -> names.put(id, "m" + slot));
    names.put(clusterId, "cluster");
    for (Map.Entry<Long, String> e : names.entrySet()) {
      line = replaceToken(line, Long.toHexString(e.getKey()), "{" + e.getValue() + "}");
      line = replaceToken(line, Long.toUnsignedString(e.getKey()), "{" + e.getValue() + ":dec}");
    }
    return line;
  }

  private static String replaceToken(String line, String token, String by) {
    return line.replaceAll("(?<![0-9A-Za-z])" + token + "(?![0-9A-Za-z])", Matcher.quoteReplacement(by));
  }

  /**
   * Endpoint status rows whose IS LEADER column is the outcome of an
   * election: exactly one must say true; which one is not compared.
   */
  private static List<String> hideElectedLeader(List<String> lines) {
    List<String> out = new ArrayList<>();
    Set<Integer> rows = new TreeSet<>();
    int leaders = 0;
    for (int k = 0; k < lines.size(); k++) {
      Matcher row = STATUS_ROW.matcher(lines.get(k));
      if (row.find() && lines.get(k).split(Pattern.quote(row.group(1)), -1).length == 10) {
        rows.add(k);
        if (lines.get(k).split(Pattern.quote(row.group(1)), -1)[4].equals("true")) {
          leaders++;
        }
      }
    }
    for (int k = 0; k < lines.size(); k++) {
      String line = lines.get(k);
      if (rows.contains(k) && leaders == 1) {
        String sep = STATUS_ROW.matcher(line).results().findFirst().orElseThrow().group(1);
        String[] f = line.split(Pattern.quote(sep), -1);
        f[4] = "{elected}";
        line = String.join(sep, f);
      }
      out.add(line);
    }
    return out;
  }

  /** Applies {@link #placeholders} to a command line, for messages. */
  String command(List<String> args) {
    return placeholders(String.join(" ", args));
  }
}
