package io.ketch.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * etcd's command-line flags, with etcd's names and defaults. Each may also come from the environment
 * as {@code KETCH_<FLAG>} (upper case, '-' as '_'), as etcd reads {@code ETCD_<FLAG>}; a flag on the
 * command line wins over the environment.
 */
public final class Flags {
  /** A parse failure, with a message for the user. */
  public static final class FlagException extends Exception {
    public FlagException(String message) {
      super(message);
    }
  }

  /** One flag: its name, default and help text. */
  public record Flag(String name, String defaultValue, String help) {
    /** Whether the flag is a boolean (Go's flag package then takes it bare). */
    public boolean isBoolean() {
      return defaultValue.equals("true") || defaultValue.equals("false");
    }

    public String envName() {
      return "KETCH_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
    }
  }

  public static final List<Flag> FLAGS = List.of(
      new Flag("name", "default", "Human-readable name for this member."),
      new Flag("data-dir", "${name}.ketch", "Path to the data directory."),
      new Flag("listen-client-urls", "http://localhost:2379", "List of URLs to listen on for client traffic."),
      new Flag("advertise-client-urls", "http://localhost:2379", "List of this member's client URLs to advertise to the public."),
      new Flag("listen-peer-urls", "http://localhost:2380", "List of URLs to listen on for peer traffic."),
      new Flag("initial-advertise-peer-urls", "http://localhost:2380", "List of this member's peer URLs to advertise to the rest of the cluster."),
      new Flag("initial-cluster", "${name}=${initial-advertise-peer-urls}", "Initial cluster configuration for bootstrapping."),
      new Flag("initial-cluster-state", "new", "Initial cluster state ('new' or 'existing')."),
      new Flag("initial-cluster-token", "etcd-cluster", "Initial cluster token for the cluster during bootstrap."),
      new Flag("max-request-bytes", "1572864", "Maximum client request size in bytes the server will accept."),
      new Flag("max-txn-ops", "128", "Maximum number of operations permitted in a transaction."),
      new Flag("quota-backend-bytes", "0", "Raise alarms when backend size exceeds the given quota. 0 means use the default quota (2 GiB)."),
      new Flag("heartbeat-interval", "100", "Time (in milliseconds) of a heartbeat interval."),
      new Flag("election-timeout", "1000", "Time (in milliseconds) for an election to timeout."),
      new Flag("experimental-watch-progress-notify-interval", "10m0s",
          "Duration of periodic watch progress notifications."),
      new Flag("experimental-enable-lease-checkpoint", "true",
          "Checkpoint remaining lease TTLs through the log, so restarts and leader changes keep them (on by default in Ketch)."),
      new Flag("experimental-lease-checkpoint-interval", "5m0s",
          "Duration of periodic lease checkpoints (only leases that outlive it are checkpointed)."),
      new Flag("strict-reconfig-check", "true",
          "Reject reconfiguration requests that would cause quorum loss."),
      new Flag("experimental-max-learners", "1", "Sets the maximum number of learners that can be available in the cluster membership."),
      new Flag("experimental-initial-corrupt-check", "false",
          "Enable to check data corruption before serving any client/peer traffic."),
      new Flag("experimental-corrupt-check-time", "0s",
          "Duration of time between cluster corruption check passes."),
      new Flag("force-new-cluster", "false",
          "Force to create a new one member cluster."),
      new Flag("snapshot-count", "10000", "Number of committed transactions to trigger a snapshot to disk."),
      new Flag("experimental-snapshot-catch-up-entries", "5000",
          "Number of entries for a slow follower to catch up after compacting the raft storage entries."),
      new Flag("cert-file", "", "Path to the client server TLS cert file."),
      new Flag("key-file", "", "Path to the client server TLS key file."),
      new Flag("trusted-ca-file", "", "Path to the client server TLS trusted CA cert file."),
      new Flag("client-cert-auth", "false", "Enable client cert authentication."),
      new Flag("client-crl-file", "", "Path to the client certificate revocation list file."),
      new Flag("cipher-suites", "", "Comma-separated list of supported TLS cipher suites between client/server and peers (empty will be auto-populated by Go)."),
      new Flag("tls-min-version", "TLS1.2", "Minimum TLS version supported by etcd. Possible values: TLS1.2, TLS1.3."),
      new Flag("tls-max-version", "", "Maximum TLS version supported by etcd. Possible values: TLS1.2, TLS1.3 (empty defers to Go)."),
      new Flag("auto-tls", "false", "Client TLS using generated certificates."),
      new Flag("listen-client-http-urls", "", "List of URLs to listen on for http only client traffic. Enabling this flag removes http services from --listen-client-urls."),
      new Flag("listen-metrics-urls", "", "List of URLs to listen on for the metrics and health endpoints."),
      new Flag("peer-cert-file", "", "Path to the peer server TLS cert file."),
      new Flag("peer-key-file", "", "Path to the peer server TLS key file."),
      new Flag("peer-trusted-ca-file", "", "Path to the peer server TLS trusted CA file."),
      new Flag("peer-client-cert-auth", "false", "Enable peer client cert authentication."),
      new Flag("peer-crl-file", "", "Path to the peer certificate revocation list file."),
      new Flag("peer-cert-allowed-cn", "", "Allowed CN for inter peer authentication."),
      new Flag("peer-cert-allowed-hostname", "", "Allowed TLS hostname for inter peer authentication."),
      new Flag("peer-auto-tls", "false", "Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided."),
      new Flag("self-signed-cert-validity", "1", "The validity period of the client and peer certificates, unit is year."),
      new Flag("auth-token", "simple", "Specify auth token specific options: simple, or jwt,pub-key=<file>,priv-key=<file>,sign-method=<RS256|...>,ttl=<duration>."),
      new Flag("auth-token-ttl", "300", "The lifetime in seconds of the auth token."),
      new Flag("enable-v2", "false", "Accept etcd V2 client requests (the v2 keys API, emulated on the v3 store)."),
      new Flag("bcrypt-cost", "10", "Specify bcrypt algorithm cost factor for auth password hashing."),
      new Flag("experimental-snapshot-send-rate", "0",
          "Ketch: bytes per second at most that a member sends of its snapshot to followers behind its log (0: no limit)."));

  private Flags() {}

  /** What the command line asked for. */
  public sealed interface Command permits Serve, Help, Version {}

  public record Serve(ServerConfig config) implements Command {}

  public record Help() implements Command {}

  public record Version() implements Command {}

  /** Parses {@code args} (as {@code --flag=value}, {@code --flag value}, or one dash) over {@code env}. */
  public static Command parse(String[] args, Map<String, String> env) throws FlagException {
    Map<String, String> given = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-") || a.equals("-") || a.equals("--")) {
        throw new FlagException("'" + a + "' is not a valid flag");
      }
      String body = a.startsWith("--") ? a.substring(2) : a.substring(1);
      String name = body;
      String value = null;
      int eq = body.indexOf('=');
      if (eq >= 0) {
        name = body.substring(0, eq);
        value = body.substring(eq + 1);
      }
      if (name.equals("help") || name.equals("h")) {
        return new Help();
      }
      if (name.equals("version")) {
        return new Version();
      }
      Flag flag = find(name);
      if (flag == null) {
        throw new FlagException("flag provided but not defined: -" + name);
      }
      if (value == null && flag.isBoolean()) {
        value = "true"; // as Go's flag package: a bare boolean flag is true; false needs --flag=false
      }
      if (value == null) {
        if (i + 1 >= args.length) {
          throw new FlagException("flag needs an argument: -" + name);
        }
        value = args[++i];
      }
      given.put(name, value);
    }
    Map<String, String> v = new LinkedHashMap<>();
    for (Flag f : FLAGS) {
      String value = given.get(f.name());
      if (value == null) {
        value = env.get(f.envName());
      }
      if (value != null) {
        v.put(f.name(), value);
      }
    }
    return new Serve(build(v));
  }

  private static Flag find(String name) {
    for (Flag f : FLAGS) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    return null;
  }

  private static ServerConfig build(Map<String, String> v) throws FlagException {
    String name = v.getOrDefault("name", "default");
    Path dataDir = Path.of(v.getOrDefault("data-dir", name + ".ketch"));
    List<URI> listenClient = urls("listen-client-urls", v.getOrDefault("listen-client-urls", "http://localhost:2379"),
        true);
    List<URI> advertiseClient = urls("advertise-client-urls",
        v.getOrDefault("advertise-client-urls", "http://localhost:2379"), true);
    List<URI> listenPeer = urls("listen-peer-urls", v.getOrDefault("listen-peer-urls", "http://localhost:2380"), true);
    long validity = number("self-signed-cert-validity", v.getOrDefault("self-signed-cert-validity", "1"));
    if (validity <= 0 || validity > 100) {
      throw new FlagException("--self-signed-cert-validity must be between 1 and 100 years");
    }
    List<URI> listenClientHttp = optionalUrls("listen-client-http-urls", v.getOrDefault("listen-client-http-urls", ""));
    List<URI> listenMetrics = optionalUrls("listen-metrics-urls", v.getOrDefault("listen-metrics-urls", ""));
    List<URI> clientSide = new ArrayList<>(listenClient);
    clientSide.addAll(listenClientHttp);
    clientSide.addAll(listenMetrics);
    TlsConfig clientTls = clientTls(v, clientSide, new TlsConfig.SelfSigned(dataDir.resolve("fixtures/client"),
        hosts(clientSide), (int) validity, false));
    TlsConfig peerTls = peerTls(v, new TlsConfig.SelfSigned(dataDir.resolve("fixtures/peer"), hosts(listenPeer),
        (int) validity, true));
    String advertisePeerRaw = v.getOrDefault("initial-advertise-peer-urls", "http://localhost:2380");
    List<URI> advertisePeer = urls("initial-advertise-peer-urls", advertisePeerRaw, true);
    if (!peerTls.enabled()) {
      for (URI u : java.util.stream.Stream.concat(listenPeer.stream(), advertisePeer.stream()).toList()) {
        if ("https".equals(u.getScheme())) {
          throw new FlagException("https peer URLs need --peer-cert-file and --peer-key-file: " + u);
        }
      }
    }
    Map<String, List<URI>> cluster =
        initialCluster(v.getOrDefault("initial-cluster", name + "=" + advertisePeerRaw));
    String state = v.getOrDefault("initial-cluster-state", "new");
    if (!state.equals("new") && !state.equals("existing")) {
      throw new FlagException("invalid value \"" + state + "\" for flag -initial-cluster-state: valid values are \"new\" or \"existing\"");
    }
    long maxRequestBytes = number("max-request-bytes", v.getOrDefault("max-request-bytes", "1572864"));
    long maxTxnOps = number("max-txn-ops", v.getOrDefault("max-txn-ops", "128"));
    long quota = number("quota-backend-bytes", v.getOrDefault("quota-backend-bytes", "0"));
    long heartbeat = number("heartbeat-interval", v.getOrDefault("heartbeat-interval", "100"));
    long election = number("election-timeout", v.getOrDefault("election-timeout", "1000"));
    Duration progress = GoDuration.parse("experimental-watch-progress-notify-interval",
        v.getOrDefault("experimental-watch-progress-notify-interval", "10m0s"));
    if (progress.isNegative() || progress.isZero()) {
      throw new FlagException("--experimental-watch-progress-notify-interval must be positive");
    }
    boolean checkpoints = bool("experimental-enable-lease-checkpoint",
        v.getOrDefault("experimental-enable-lease-checkpoint", "true"));
    Duration checkpointInterval = GoDuration.parse("experimental-lease-checkpoint-interval",
        v.getOrDefault("experimental-lease-checkpoint-interval", "5m0s"));
    if (checkpointInterval.isNegative() || checkpointInterval.isZero()) {
      throw new FlagException("--experimental-lease-checkpoint-interval must be positive");
    }
    boolean strictReconfig = bool("strict-reconfig-check", v.getOrDefault("strict-reconfig-check", "true"));
    long maxLearners = number("experimental-max-learners", v.getOrDefault("experimental-max-learners", "1"));
    if (maxLearners < 1 || maxLearners > Integer.MAX_VALUE) {
      throw new FlagException("--experimental-max-learners must be at least 1");
    }
    boolean initialCorruptCheck = bool("experimental-initial-corrupt-check",
        v.getOrDefault("experimental-initial-corrupt-check", "false"));
    Duration corruptCheckTime = GoDuration.parse("experimental-corrupt-check-time",
        v.getOrDefault("experimental-corrupt-check-time", "0s"));
    if (corruptCheckTime.isNegative()) {
      throw new FlagException("--experimental-corrupt-check-time must not be negative");
    }
    boolean forceNewCluster = bool("force-new-cluster", v.getOrDefault("force-new-cluster", "false"));
    long snapshotCount = number("snapshot-count", v.getOrDefault("snapshot-count", "10000"));
    long catchUpEntries = number("experimental-snapshot-catch-up-entries",
        v.getOrDefault("experimental-snapshot-catch-up-entries", "5000"));
    if (snapshotCount <= 0 || catchUpEntries <= 0) {
      throw new FlagException("--snapshot-count and --experimental-snapshot-catch-up-entries must be positive");
    }
    long snapshotSendRate = number("experimental-snapshot-send-rate",
        v.getOrDefault("experimental-snapshot-send-rate", "0"));
    if (snapshotSendRate < 0) {
      throw new FlagException("--experimental-snapshot-send-rate must not be negative");
    }
    boolean enableV2 = bool("enable-v2", v.getOrDefault("enable-v2", "false"));
    AuthTokenConfig authToken = AuthTokenConfig.parse(v.getOrDefault("auth-token", "simple"));
    long authTokenTtl = number("auth-token-ttl", v.getOrDefault("auth-token-ttl", "300"));
    long bcryptCost = number("bcrypt-cost", v.getOrDefault("bcrypt-cost", "10"));
    if (authTokenTtl <= 0) {
      throw new FlagException("--auth-token-ttl must be positive");
    }
    if (bcryptCost < 4 || bcryptCost > 31) {
      // Go's bcrypt.MinCost and MaxCost
      throw new FlagException("invalid bcrypt-cost: " + bcryptCost + " (must be between 4 and 31)");
    }
    if (maxRequestBytes <= 0 || maxTxnOps <= 0 || maxTxnOps > Integer.MAX_VALUE || quota < 0) {
      throw new FlagException("--max-request-bytes and --max-txn-ops must be positive, --quota-backend-bytes not negative");
    }
    if (heartbeat <= 0 || election < 5 * heartbeat) {
      throw new FlagException("--election-timeout[" + election + "ms] should be at least 5 times as --heartbeat-interval[" + heartbeat + "ms]");
    }
    return new ServerConfig(name, dataDir, listenClient, advertiseClient, listenClientHttp, listenMetrics, listenPeer,
        advertisePeer, cluster,
        state, v.getOrDefault("initial-cluster-token", "etcd-cluster"), maxRequestBytes, (int) maxTxnOps, quota,
        Duration.ofMillis(heartbeat), Duration.ofMillis(election), progress,
        checkpoints ? checkpointInterval : Duration.ZERO, strictReconfig, (int) maxLearners, snapshotCount,
        catchUpEntries, snapshotSendRate, clientTls, peerTls, authToken, Duration.ofSeconds(authTokenTtl), (int) bcryptCost, initialCorruptCheck, corruptCheckTime, forceNewCluster, enableV2, java.util.Set.copyOf(v.keySet()));
  }

  /** Go's flag booleans: 1, t, T, TRUE, true, True and their false counterparts. */
  private static boolean bool(String flag, String raw) throws FlagException {
    return switch (raw.trim()) {
      case "1", "t", "T", "TRUE", "true", "True" -> true;
      case "0", "f", "F", "FALSE", "false", "False" -> false;
      default -> throw new FlagException("invalid boolean value \"" + raw + "\" for -" + flag + ": parse error");
    };
  }

  /** A list of URLs that may be empty (the flag unset). */
  private static List<URI> optionalUrls(String flag, String raw) throws FlagException {
    return raw.isBlank() ? List.of() : urls(flag, raw, true);
  }

  static List<URI> urls(String flag, String raw) throws FlagException {
    return urls(flag, raw, false);
  }

  /** The TLS flags of the client port, checked against the client URLs. */
  private static TlsConfig clientTls(Map<String, String> v, List<URI> listen, TlsConfig.SelfSigned auto)
      throws FlagException {
    String cert = v.getOrDefault("cert-file", "");
    String key = v.getOrDefault("key-file", "");
    boolean https = listen.stream().anyMatch(u -> "https".equals(u.getScheme()));
    if (!https) {
      return TlsConfig.NONE;
    }
    if (cert.isEmpty() && key.isEmpty() && bool("auto-tls", v.getOrDefault("auto-tls", "false"))) {
      // as etcd: --auto-tls is used only when no certificate is given
      if (bool("client-cert-auth", v.getOrDefault("client-cert-auth", "false"))) {
        throw new FlagException("--client-cert-auth needs --trusted-ca-file and a certificate: "
            + "--auto-tls certificates are self-signed and verify nobody");
      }
      return selfSigned(tls(v, "", auto.certFile().toString(), auto.keyFile().toString(), "client-cert-auth",
          "client-crl-file", "", ""), auto);
    }
    if (cert.isEmpty() || key.isEmpty()) {
      throw new FlagException("https client URLs need --cert-file and --key-file (or --auto-tls)");
    }
    return tls(v, "", cert, key, "client-cert-auth", "client-crl-file", "", "");
  }

  /** {@code tls} without trusted CAs, CRL or allowed names, with {@code auto} to make at start. */
  private static TlsConfig selfSigned(TlsConfig tls, TlsConfig.SelfSigned auto) {
    return new TlsConfig(tls.certFile(), tls.keyFile(), null, false, null, tls.cipherSuites(), tls.protocols(), "", "",
        auto);
  }

  /** The hosts of listen URLs, as a self-signed certificate names them. */
  private static List<String> hosts(List<URI> urls) {
    return urls.stream().map(URI::getHost).filter(java.util.Objects::nonNull)
        .map(h -> h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h).distinct().toList();
  }

  /**
   * The TLS flags between members: TLS is on with {@code --peer-cert-file} and {@code --peer-key-file}
   * (then peer URLs may be https), off otherwise (then they may not).
   */
  private static TlsConfig peerTls(Map<String, String> v, TlsConfig.SelfSigned auto) throws FlagException {
    String cert = v.getOrDefault("peer-cert-file", "");
    String key = v.getOrDefault("peer-key-file", "");
    if (cert.isEmpty() != key.isEmpty()) {
      throw new FlagException("--peer-cert-file and --peer-key-file go together");
    }
    if (cert.isEmpty() && bool("peer-auto-tls", v.getOrDefault("peer-auto-tls", "false"))) {
      if (bool("peer-client-cert-auth", v.getOrDefault("peer-client-cert-auth", "false"))) {
        throw new FlagException("--peer-client-cert-auth needs --peer-trusted-ca-file and a certificate: "
            + "--peer-auto-tls certificates are self-signed and verify nobody");
      }
      return selfSigned(tls(v, "peer-", auto.certFile().toString(), auto.keyFile().toString(),
          "peer-client-cert-auth", "peer-crl-file", "", ""), auto);
    }
    if (cert.isEmpty()) {
      return TlsConfig.NONE;
    }
    return tls(v, "peer-", cert, key, "peer-client-cert-auth", "peer-crl-file",
        v.getOrDefault("peer-cert-allowed-cn", ""), v.getOrDefault("peer-cert-allowed-hostname", ""));
  }

  private static TlsConfig tls(Map<String, String> v, String prefix, String cert, String key, String clientAuthFlag,
      String crlFlag, String allowedCn, String allowedHostname) throws FlagException {
    List<String> versions = List.of("TLS1.2", "TLS1.3");
    String min = v.getOrDefault("tls-min-version", "TLS1.2");
    String max = v.getOrDefault("tls-max-version", "");
    if (!versions.contains(min) || !max.isEmpty() && !versions.contains(max)) {
      throw new FlagException("unexpected TLS version: --tls-min-version " + min + " --tls-max-version " + max
          + " (TLS1.2 or TLS1.3)");
    }
    int lo = versions.indexOf(min);
    int hi = max.isEmpty() ? versions.size() - 1 : versions.indexOf(max);
    if (hi < lo) {
      throw new FlagException("--tls-min-version " + min + " is above --tls-max-version " + max);
    }
    List<String> protocols = new ArrayList<>();
    for (int i = lo; i <= hi; i++) {
      protocols.add(versions.get(i).replace("TLS", "TLSv"));
    }
    String ciphers = v.getOrDefault("cipher-suites", "");
    String ca = v.getOrDefault(prefix + "trusted-ca-file", "");
    String crl = v.getOrDefault(crlFlag, "");
    return new TlsConfig(Path.of(cert), Path.of(key), ca.isEmpty() ? null : Path.of(ca),
        bool(clientAuthFlag, v.getOrDefault(clientAuthFlag, "false")), crl.isEmpty() ? null : Path.of(crl),
        ciphers.isEmpty() ? List.of() : List.of(ciphers.split(",")), List.copyOf(protocols), allowedCn,
        allowedHostname, null);
  }

  /** Parses a list of URLs; {@code https} only where TLS is served ({@code httpsAllowed}). */
  static List<URI> urls(String flag, String raw, boolean httpsAllowed) throws FlagException {
    List<URI> out = new ArrayList<>();
    for (String s : raw.split(",")) {
      s = s.trim();
      URI u;
      try {
        u = new URI(s);
      } catch (Exception e) {
        throw new FlagException("invalid URL \"" + s + "\" for flag -" + flag);
      }
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new FlagException("URL scheme must be http or https: " + s + " (flag -" + flag + ")");
      }
      if ("https".equals(u.getScheme()) && !httpsAllowed) {
        throw new FlagException("TLS between members is not supported yet: " + s + " (flag -" + flag + ")");
      }
      if (u.getHost() == null || u.getPort() < 0) {
        throw new FlagException("URL address does not have the form \"host:port\": " + s + " (flag -" + flag + ")");
      }
      out.add(u);
    }
    return List.copyOf(out);
  }

  /** Parses an {@code --initial-cluster} value: member name to its peer URLs, in flag order. */
  public static Map<String, List<URI>> initialCluster(String raw) throws FlagException {
    Map<String, List<URI>> m = new LinkedHashMap<>();
    for (String part : raw.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new FlagException("invalid --initial-cluster entry \"" + part + "\": want name=url");
      }
      List<URI> u = new ArrayList<>(m.getOrDefault(part.substring(0, eq), List.of()));
      u.addAll(urls("initial-cluster", part.substring(eq + 1), true));
      m.put(part.substring(0, eq), List.copyOf(u));
    }
    return m;
  }

  private static long number(String flag, String raw) throws FlagException {
    try {
      return Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      throw new FlagException("invalid value \"" + raw + "\" for flag -" + flag + ": parse error");
    }
  }

  /** The usage text for --help. */
  public static String usage() {
    StringBuilder b = new StringBuilder("Usage:\n\n  ketch [flags]\n\n"
        + "  Start a Ketch member: an etcd-compatible key-value store.\n\n"
        + "  ketch --version\n    Print the version and exit.\n  ketch -h | --help\n    Show this help and exit.\n\nFlags:\n");
    for (Flag f : FLAGS) {
      b.append(String.format("  --%s%n      %s%n      default: %s, env: %s%n", f.name(), f.help(), f.defaultValue(), f.envName()));
    }
    return b.toString();
  }
}
