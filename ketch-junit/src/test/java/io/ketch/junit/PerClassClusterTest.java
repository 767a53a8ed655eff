package io.ketch.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.ByteString;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.embed.EmbeddedKetch;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code @KetchTest(members = 3)}: one cluster for the class, given to static and instance fields,
 * to {@code @BeforeAll} and test parameters, with a ketch-client and a jetcd client on every member;
 * the assertions helpers; a leader crash survived.
 */
@KetchTest(members = 3)
class PerClassClusterTest {
  static EmbeddedKetch shared;
  EmbeddedKetch cluster;
  Client client;
  io.etcd.jetcd.Client jetcd;

  @BeforeAll
  static void seen(EmbeddedKetch fromParameter) {
    assertSame(shared, fromParameter, "the static field and @BeforeAll get the same cluster");
  }

  @Test
  void fieldsAndParametersShareOneCluster(EmbeddedKetch param, Client clientParam) {
    assertSame(shared, cluster);
    assertSame(cluster, param);
    assertSame(client, clientParam);
    assertEquals(3, cluster.size());
    assertEquals(3, cluster.endpoints().size());
  }

  @Test
  void clientsOfBothKindsReachTheCluster() throws Exception {
    client.kv().put(ByteString.copyFromUtf8("from-ketch-client"), ByteString.copyFromUtf8("1")).join();
    var got = jetcd.getKVClient().get(io.etcd.jetcd.ByteSequence.from("from-ketch-client", StandardCharsets.UTF_8))
        .get();
    assertEquals("1", got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8));
  }

  @Test
  void aLeaderCrashIsSurvived() throws Exception {
    client.kv().put(ByteString.copyFromUtf8("crash"), ByteString.copyFromUtf8("before")).join();
    cluster.leader().kill();
    KetchAssertions.assertEventuallyEquals(client, "crash", "before", Duration.ofSeconds(30));
    List<Event> events = KetchAssertions.assertWatchReceives(client, "crash", 1, Duration.ofSeconds(30),
        () -> client.kv().put(ByteString.copyFromUtf8("crash"), ByteString.copyFromUtf8("after")).join());
    assertEquals("after", events.get(0).getKv().getValue().toStringUtf8());
    for (var m : cluster.members()) {
      if (!m.isRunning()) {
        m.restart();
      }
    }
    assertNotNull(cluster.leader());
  }
}
