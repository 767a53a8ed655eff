package io.ketch.server.gateway;

import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.server.Version;
import io.ketch.server.apply.EtcdException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * etcd's probes: {@code /health} ({@code ?serializable=true}, {@code ?exclude=NOSPACE}) with its JSON
 * ({@code {"health":"true","reason":""}}, 503 and the reason when not), etcd 3.6's {@code /livez} and
 * {@code /readyz} (each check also on its own path, {@code ?verbose}, {@code ?exclude=}) and
 * {@code /version}.
 */
public final class HealthEndpoints {
  /** What the probes look at. */
  public interface Member {
    /** The raised alarms' types. */
    List<AlarmType> alarms();

    boolean hasLeader();

    boolean isLearner();

    /** Completes when a read of this kind (serializable: local; else linearizable) would be served. */
    CompletableFuture<Void> read(boolean serializable);
  }

  private record Check(String name, Supplier<CompletableFuture<Void>> run) {}

  private final Member member;
  private final Map<String, List<Check>> registries = new LinkedHashMap<>();

  public HealthEndpoints(Member member) {
    this.member = member;
    registries.put("/livez", List.of(new Check("serializable_read", () -> member.read(true))));
    registries.put("/readyz", List.of(
        new Check("data_corruption", () -> member.alarms().contains(AlarmType.CORRUPT)
            ? CompletableFuture.failedFuture(new IllegalStateException("alarm activated: CORRUPT"))
            : CompletableFuture.completedFuture(null)),
        new Check("serializable_read", () -> member.read(true)),
        new Check("linearizable_read", () -> member.read(false)),
        new Check("non_learner", () -> member.isLearner()
            ? CompletableFuture.failedFuture(new IllegalStateException("not supported for learner"))
            : CompletableFuture.completedFuture(null))));
  }

  /** Whether {@code path} is one of these endpoints. */
  public boolean serves(String path) {
    if (path.equals("/health") || path.equals("/version") || registries.containsKey(path)) {
      return true;
    }
    int slash = path.indexOf('/', 1);
    return slash > 0 && registries.containsKey(path.substring(0, slash))
        && registries.get(path.substring(0, slash)).stream().anyMatch(c -> c.name().equals(path.substring(slash + 1)));
  }

  /** Answers a GET of one of these paths. */
  public CompletableFuture<JsonGateway.Answer> handle(String method, String path, QueryString query) {
    if (!method.equals("GET")) {
      return CompletableFuture.completedFuture(JsonGateway.Answer.text(405, "Method Not Allowed\n"));
    }
    if (path.equals("/version")) {
      return CompletableFuture.completedFuture(JsonGateway.Answer.json(200,
          "{\"etcdserver\":" + GoJsonText.quote(Version.ETCD_API) + ",\"etcdcluster\":"
              + GoJsonText.quote(clusterVersion()) + "}"));
    }
    if (path.equals("/health")) {
      return health(query);
    }
    List<Check> checks = registries.get(path);
    if (checks != null) {
      Set<String> excluded = query.set("exclude");
      List<Check> run = new ArrayList<>();
      for (Check c : checks) {
        if (!excluded.contains(c.name())) {
          run.add(c);
        }
      }
      return checks(run, query.has("verbose"));
    }
    int slash = path.indexOf('/', 1);
    String name = path.substring(slash + 1);
    return checks(registries.get(path.substring(0, slash)).stream().filter(c -> c.name().equals(name)).toList(),
        query.has("verbose"));
  }

  private CompletableFuture<JsonGateway.Answer> health(QueryString query) {
    Set<String> excluded = query.set("exclude");
    for (AlarmType a : member.alarms()) {
      if (!excluded.contains(a.name())) {
        String reason = switch (a) {
          case NOSPACE -> "ALARM NOSPACE";
          case CORRUPT -> "ALARM CORRUPT";
          default -> "ALARM UNKNOWN";
        };
        return CompletableFuture.completedFuture(unhealthy(reason));
      }
    }
    boolean serializable = "true".equals(query.first("serializable"));
    if (!serializable && !member.hasLeader()) {
      return CompletableFuture.completedFuture(unhealthy("RAFT NO LEADER"));
    }
    return member.read(serializable).handle((v, err) -> err == null
        ? JsonGateway.Answer.json(200, "{\"health\":\"true\",\"reason\":\"\"}")
        : unhealthy("RANGE ERROR:" + message(err)));
  }

  private static JsonGateway.Answer unhealthy(String reason) {
    // Go's http.Error: the text, a newline, text/plain
    return JsonGateway.Answer.text(503, "{\"health\":\"false\",\"reason\":" + GoJsonText.quote(reason) + "}\n");
  }

  private static CompletableFuture<JsonGateway.Answer> checks(List<Check> checks, boolean verbose) {
    List<CompletableFuture<String>> lines = new ArrayList<>();
    for (Check c : checks) {
      lines.add(c.run().get().handle((v, err) -> err == null
          ? "[+]" + c.name() + " ok\n" : "[-]" + c.name() + " failed: " + message(err) + "\n"));
    }
    return CompletableFuture.allOf(lines.toArray(new CompletableFuture[0])).thenApply(v -> {
      StringBuilder reason = new StringBuilder();
      boolean failed = false;
      for (CompletableFuture<String> l : lines) {
        String line = l.join();
        failed |= line.startsWith("[-]");
        reason.append(line);
      }
      if (failed) {
        return JsonGateway.Answer.text(503, reason + "\n");
      }
      return JsonGateway.Answer.text(200, (verbose ? reason.toString() : "") + "ok\n");
    });
  }

  private static String message(Throwable err) {
    Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    if (t instanceof EtcdException e) {
      return e.error().description();
    }
    return t.getMessage();
  }

  /** etcd's cluster version: major.minor.0 of the API level. */
  private static String clusterVersion() {
    String[] parts = Version.ETCD_API.split("\\.");
    return parts[0] + "." + parts[1] + ".0";
  }
}
