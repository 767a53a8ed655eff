package io.ketch.it;

import static io.ketch.it.ClientFixture.bs;
import static io.ketch.it.ClientFixture.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The space quota and the NOSPACE alarm, on etcd and on Ketch, each started with a 1 MiB
 * {@code --quota-backend-bytes}: both are filled until a put fails, then put through etcd's documented
 * recovery (alarm list, reads and deletes still work, writes refused, compact, defrag, disarm, writes
 * work again) with etcdctl, and every step must print the same. Where a backend's size decides a
 * number (how many puts fit, the revision compacted at), digits are blanked: the two backends lay
 * out their files differently, so the point where the quota is reached differs.
 */
class QuotaAlarmConformanceTest {
  private static final String QUOTA = "--quota-backend-bytes=1048576";
  private static final int VALUE_BYTES = 8 * 1024;

  private record Step(String stdin, boolean blankDigits, String... args) {}

  private static Step same(String... args) {
    return new Step("", false, args);
  }

  private static Step digitsBlank(String... args) {
    return new Step("", true, args);
  }

  /** Puts distinct values until the quota refuses one; returns how many went in. */
  private static int fill(Endpoint e) throws Exception {
    try (Client c = ClientFixture.client(e)) {
      byte[] value = new byte[VALUE_BYTES];
      for (int i = 0; i < 2000; i++) {
        Arrays.fill(value, (byte) i);
        try {
          c.kv().put(bs("fill/" + i), ByteString.copyFrom(value)).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException ex) {
          assertTrue(ex.getCause().getMessage().contains("database space exceeded"), ex.getCause().toString());
          return i;
        }
      }
    }
    throw new AssertionError(e.name() + " took 2000 puts of " + VALUE_BYTES + " bytes under a 1 MiB quota");
  }

  private static long revision(Endpoint e) throws Exception {
    try (Client c = ClientFixture.client(e)) {
      return get(c.kv().get(bs("k"))).getHeader().getRevision();
    }
  }

  private static List<String> statusErrors(Endpoint e) throws Exception {
    try (Client c = ClientFixture.client(e)) {
      List<String> errors = new ArrayList<>();
      for (String s : get(c.maintenance().status(e.address())).getErrorsList()) {
        errors.add(s.replaceAll("\\d+", "N"));
      }
      return errors;
    }
  }

  private static String run(Endpoint e, Step step) {
    String out = Etcdctl.run(e, step.stdin(), step.args());
    // member and lease IDs differ between any two clusters; etcdctl names the member by its endpoint
    out = out.replaceAll("memberID:\\d+", "memberID:ID").replaceAll("member\\[[^\\]]*\\]", "member[endpoint]")
        .replaceAll("lease [0-9a-f]+ granted", "lease ID granted")
        .replaceAll("(?m)^\\S+ is healthy: successfully committed proposal: took = \\S+$", "ENDPOINT is healthy")
        .replaceAll("(?m)^\\S+ is unhealthy", "ENDPOINT is unhealthy");
    return step.blankDigits() ? out.replaceAll("\\d+", "N") : out;
  }

  private static void compare(EtcdOracle etcd, KetchNode ketch, Step step) {
    String expected = run(etcd, step);
    String actual = run(ketch, step);
    assertEquals(expected, actual, "etcdctl " + String.join(" ", step.args()));
  }

  @Test
  void theDocumentedRecoveryFromNoSpaceGoesAsOnEtcd() throws Exception {
    try (EtcdOracle etcd = new EtcdOracle(QUOTA); KetchNode ketch = new KetchNode(QUOTA)) {
      compare(etcd, ketch, same("put", "k", "before"));
      int etcdPuts = fill(etcd);
      int ketchPuts = fill(ketch);
      assertTrue(etcdPuts > 10 && ketchPuts > 10, "etcd took " + etcdPuts + ", Ketch " + ketchPuts);

      // the alarm is raised and listed; writes that grow the store fail, the rest works
      assertEquals(statusErrors(etcd), statusErrors(ketch));
      assertEquals(List.of("memberID:N alarm:NOSPACE "), statusErrors(ketch));
      for (Step step : List.of(
          same("alarm", "list"),
          same("endpoint", "health"),
          same("put", "k", "v"),
          same("put", "fresh", "v"),
          new Step("value(\"k\") = \"before\"\n\nput k yes\n\nget k\n\n", false, "txn"),
          new Step("value(\"k\") = \"before\"\n\nget k\n\nget fill/0 --keys-only\n\n", false, "txn"),
          same("lease", "grant", "60"),
          same("get", "k"),
          same("get", "fill/0", "--keys-only"),
          same("del", "fill/0"),
          same("alarm", "list"))) {
        compare(etcd, ketch, step);
      }

      // disarming alone does not help: the next write finds the store still full and raises it again
      compare(etcd, ketch, same("alarm", "disarm"));
      compare(etcd, ketch, same("alarm", "list"));
      compare(etcd, ketch, same("put", "k", "v"));
      compare(etcd, ketch, same("alarm", "list"));

      // the documented recovery: free space, compact, defragment, disarm
      compare(etcd, ketch, digitsBlank("del", "fill/", "--prefix"));
      String etcdCompact = run(etcd, digitsBlank("compaction", "--physical", Long.toString(revision(etcd))));
      String ketchCompact = run(ketch, digitsBlank("compaction", "--physical", Long.toString(revision(ketch))));
      assertEquals(etcdCompact, ketchCompact);
      compare(etcd, ketch, same("defrag"));
      compare(etcd, ketch, same("alarm", "disarm"));
      compare(etcd, ketch, same("alarm", "list"));
      assertEquals(List.of(), statusErrors(ketch));
      compare(etcd, ketch, same("endpoint", "health"));
      compare(etcd, ketch, same("put", "k", "after"));
      compare(etcd, ketch, same("lease", "grant", "60"));
      compare(etcd, ketch, same("get", "k"));
    }
  }
}
