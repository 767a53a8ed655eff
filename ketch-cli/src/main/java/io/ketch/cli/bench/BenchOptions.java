package io.ketch.cli.bench;

import java.util.ArrayList;
import java.util.List;

/** ketch-bench's command line: {@code ketch-bench [flags] put|range|watch|keepalive|failover}. */
record BenchOptions(
    String command,
    List<String> endpoints,
    int conns,
    int clients,
    long total,
    long warmup,
    int keySize,
    int valSize,
    int keySpace,
    boolean sequentialKeys,
    boolean serializable,
    int watchers,
    int streams,
    int leases,
    String driver,
    List<Long> pids,
    String writer,
    int putTimeoutMillis) {

  static final String USAGE = """
      Usage: ketch-bench [flags] put|range|watch|keepalive|failover

      Drives an etcd v3 endpoint (Ketch or etcd) with N connections x M concurrent clients and reports
      throughput and latency percentiles.

        put     Put random keys (from --key-space) with --val-size byte values.
        range   Range one existing key (written before the run), linearizable or serializable.
        watch   Fan-out: --watchers on one prefix over --streams streams, while --clients put --total
                keys under it; reports delivered events/s and put->event latency.
        keepalive  Grants --leases leases, then sends --total keepalives for them over --streams
                LeaseKeepAlive streams, --clients in flight in all; reports keepalives/s and latency.
        failover   One leader-failover trial on a cluster: --endpoints lists every member and --pids
                their server processes' pids in the same order. Finds the leader (Maintenance
                Status), puts one at a time through a surviving member for a second, kills the
                leader's process (SIGKILL) and goes on putting, each put with a deadline of
                --put-timeout and retried on error; prints failover_ms (kill to the first
                acknowledged put sent after it), leader_seen_ms (kill to the first Status of a
                survivor naming a new leader), the killed member and the new leader.

      Flags:
        --endpoints=host:port[,host:port]  (default 127.0.0.1:2379)
        --conns=N          gRPC connections (default 1)
        --clients=M        concurrent in-flight requests over all connections (default 1)
        --total=K          requests to measure (default 10000)
        --warmup=K         requests sent first and not measured (default 2000)
        --key-size=B       key size in bytes (default 8)
        --val-size=B       value size in bytes (default 8)
        --key-space=S      distinct keys for put (default 100000)
        --key-order=O      put: random (default) or sequential (key i mod --key-space for the i-th put, so
                           --total=S writes each key once)
        --consistency=l|s  range consistency (default l)
        --watchers=W       watch: watchers on the prefix (default 1000)
        --streams=S        watch/keepalive: streams, spread over the connections (default 20)
        --leases=L         keepalive: leases kept alive (default 10000)
        --driver=D         put, range, watch: send through raw gRPC stubs (grpc, the default), or
                           through a client library, ketch-client or jetcd (one client object per
                           --conns; for watch the watchers are the library's, the puts raw), or as
                           JSON over HTTP/1.1 to etcd's gateway (http: put and range only)
        --pids=P1,P2,...   failover: the members' server pids, one per endpoint, in --endpoints order
        --writer=host:port failover: the member to put through (default: the first endpoint that
                           does not lead); must not be the leader
        --put-timeout=MS   failover: each put's deadline in milliseconds (default 100: a put lost with
                           the leader costs at most this, the resolution of failover_ms)
      """;

  static BenchOptions parse(String[] args) {
    String command = null;
    List<String> endpoints = List.of("127.0.0.1:2379");
    int conns = 1;
    int clients = 1;
    long total = 10_000;
    long warmup = 2_000;
    int keySize = 8;
    int valSize = 8;
    int keySpace = 100_000;
    boolean sequentialKeys = false;
    boolean serializable = false;
    int watchers = 1000;
    int streams = 20;
    int leases = 10_000;
    String driver = "grpc";
    List<Long> pids = List.of();
    String writer = null;
    int putTimeoutMillis = 100;
    for (String a : args) {
      if (!a.startsWith("--")) {
        if (command != null) {
          throw new IllegalArgumentException("one command only, got " + command + " and " + a);
        }
        command = a;
        continue;
      }
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("flags take the form --name=value: " + a);
      }
      String name = a.substring(2, eq);
      String v = a.substring(eq + 1);
      switch (name) {
        case "endpoints" -> endpoints = List.of(v.split(","));
        case "conns" -> conns = positive(name, v);
        case "clients" -> clients = positive(name, v);
        case "total" -> total = positive(name, v);
        case "warmup" -> warmup = Long.parseLong(v);
        case "key-size" -> keySize = positive(name, v);
        case "val-size" -> valSize = Integer.parseInt(v);
        case "key-space" -> keySpace = positive(name, v);
        case "key-order" -> {
          if (!v.equals("random") && !v.equals("sequential")) {
            throw new IllegalArgumentException("--key-order is random or sequential, got " + v);
          }
          sequentialKeys = v.equals("sequential");
        }
        case "consistency" -> {
          if (!v.equals("l") && !v.equals("s")) {
            throw new IllegalArgumentException("--consistency is l or s, got " + v);
          }
          serializable = v.equals("s");
        }
        case "watchers" -> watchers = positive(name, v);
        case "streams" -> streams = positive(name, v);
        case "leases" -> leases = positive(name, v);
        case "driver" -> {
          if (!List.of("grpc", "ketch-client", "jetcd", "http").contains(v)) {
            throw new IllegalArgumentException("--driver is grpc, ketch-client, jetcd or http, got " + v);
          }
          driver = v;
        }
        case "pids" -> pids = pids(v);
        case "writer" -> writer = v;
        case "put-timeout" -> putTimeoutMillis = positive(name, v);
        default -> throw new IllegalArgumentException("unknown flag --" + name);
      }
    }
    if (command == null || !List.of("put", "range", "watch", "keepalive", "failover").contains(command)) {
      throw new IllegalArgumentException("the command is put, range, watch, keepalive or failover");
    }
    if ((command.equals("keepalive") || command.equals("failover")) && !driver.equals("grpc")) {
      throw new IllegalArgumentException(command + " runs on raw gRPC only");
    }
    if (command.equals("failover")) {
      if (endpoints.size() < 2 || pids.size() != endpoints.size()) {
        throw new IllegalArgumentException("failover needs --endpoints of every member (2 or more) and --pids with one"
            + " pid per endpoint: " + endpoints.size() + " endpoints, " + pids.size() + " pids");
      }
      if (writer != null && !endpoints.contains(writer)) {
        throw new IllegalArgumentException("--writer must be one of --endpoints " + endpoints + ", got " + writer);
      }
    }
    return new BenchOptions(command, new ArrayList<>(endpoints), conns, clients, total, warmup, keySize, valSize,
        keySpace, sequentialKeys, serializable, watchers, streams, leases, driver, pids, writer, putTimeoutMillis);
  }

  private static List<Long> pids(String v) {
    List<Long> out = new ArrayList<>();
    for (String p : v.split(",")) {
      try {
        out.add(Long.parseLong(p.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--pids takes comma-separated process ids, got " + v);
      }
      if (out.get(out.size() - 1) <= 0) {
        throw new IllegalArgumentException("--pids takes positive process ids, got " + v);
      }
    }
    return List.copyOf(out);
  }

  private static int positive(String name, String v) {
    int n = Integer.parseInt(v);
    if (n <= 0) {
      throw new IllegalArgumentException("--" + name + " must be positive, got " + v);
    }
    return n;
  }
}
