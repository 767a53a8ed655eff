package io.ketch.it.cluster;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A member stopped (cleanly or abruptly) while it is behind, after the others moved to a new term
 * and purged their logs, restarts and catches up. Found by the embedded fault runs: Ratis used to
 * snapshot a stopping member at its last entry, and when the leader's log started right after that
 * entry the two looped on "install a snapshot" / "already installed" forever.
 */
class RestartBehindTest {
  @ParameterizedTest
  @ValueSource(strings = {"pause-stop", "partition-kill"})
  void aMemberStoppedBehindCatchesUpAfterRestart(String how) throws Exception {
    try (EmbeddedFaultCluster k = EmbeddedFaultCluster.start(3, "--election-timeout=500", "--heartbeat-interval=50",
        "--snapshot-count=200", "--experimental-snapshot-catch-up-entries=50");
         Client c = Client.builder().endpoints(k.address(2), k.address(3)).build()) {
      k.awaitConverged(30_000);
      for (int i = 0; i < 300; i++) {
        c.kv().put(ByteString.copyFromUtf8("a" + i), ByteString.copyFromUtf8("v")).join();
      }
      int m = 1;
      if (how.startsWith("pause")) {
        k.pause(m);
      } else {
        k.partition(false, List.of(Set.of(m), Set.of(1, 2, 3).stream().filter(x -> x != m)
            .collect(java.util.stream.Collectors.toSet())));
      }
      for (int i = 0; i < 600; i++) {
        c.kv().put(ByteString.copyFromUtf8("b" + i), ByteString.copyFromUtf8("v")).join();
      }
      if (how.startsWith("pause")) {
        k.resume(m);
      } else {
        k.heal();
      }
      if (how.endsWith("kill")) {
        k.kill(m);
      } else {
        k.terminate(m);
      }
      for (int i = 0; i < 300; i++) {
        c.kv().put(ByteString.copyFromUtf8("c" + i), ByteString.copyFromUtf8("v")).join();
      }
      Thread.sleep(1500);
      k.start(m);
      k.awaitConverged(40_000);
    }
  }
}
