package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code etcdctl watch} (Debian's 3.4) prints the same against Ketch as against etcd: the session
 * from etcd's documentation ({@code put hello aoho; put hello boho; watch hello -w=json --rev=1},
 * then {@code put hello coho} from another shell), and prefix/prev-kv watches in the default format.
 */
class EtcdctlWatchConformanceTest {

  @Test
  void watchSessionsPrintWhatEtcdPrints() throws Exception {
    Path dir = TestDirs.newDir("etcdctl-watch");
    try (Differential d = new Differential()) {
      for (Endpoint e : List.of(d.etcd(), d.ketch())) {
        Etcdctl.run(e, "", "put", "hello", "aoho");
        Etcdctl.run(e, "", "put", "hello", "boho");
      }
      assertSame(d, dir, "docs", List.<String[]>of(new String[] {"put", "hello", "coho"}), "watch", "hello", "-w=json", "--rev=1");
      assertSame(d, dir, "prefix", List.of(new String[] {"put", "hel", "x"}, new String[] {"del", "hello"},
          new String[] {"put", "help", "y"}), "watch", "hel", "--prefix", "--prev-kv", "--rev=2");
      assertSame(d, dir, "fields", List.<String[]>of(new String[] {"put", "hello", "again"}), "watch", "hello", "-w=fields");
    } finally {
      TestDirs.delete(dir);
    }
  }

  /** Starts {@code watch} on both servers, runs {@code puts} on each, and compares what the watches printed. */
  private static void assertSame(Differential d, Path dir, String name, List<String[]> commands, String... watch)
      throws InterruptedException {
    String[] printed = new String[2];
    int i = 0;
    for (Endpoint e : List.of(d.etcd(), d.ketch())) {
      Path out = dir.resolve(name + "-" + e.name() + ".txt");
      Process p = Etcdctl.start(e, out, watch);
      Etcdctl.awaitQuiet(out, 700);
      for (String[] c : commands) {
        Etcdctl.run(e, "", c);
      }
      Etcdctl.awaitQuiet(out, 700);
      printed[i++] = Etcdctl.stop(p, out);
    }
    assertTrue(!printed[0].isBlank(), name + ": etcd's watch printed nothing");
    assertEquals(printed[0], printed[1], name);
  }
}
