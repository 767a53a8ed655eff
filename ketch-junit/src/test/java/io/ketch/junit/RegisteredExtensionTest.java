package io.ketch.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import io.ketch.embed.EmbeddedKetch;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension registered in code, with flags; a partition through the injected handle. */
class RegisteredExtensionTest {
  @RegisterExtension
  static KetchExtension ketch = KetchExtension.builder().members(3).config("--max-txn-ops=7").build();

  @Test
  void flagsReachTheMembersAndFaultsWork(EmbeddedKetch cluster, Client client) {
    Op[] puts = new Op[8];
    for (int i = 0; i < puts.length; i++) {
      puts[i] = Op.put(ByteString.copyFromUtf8("k" + i), ByteString.EMPTY, PutOption.DEFAULT);
    }
    var refused = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
        () -> client.kv().txn().then(puts).commit().join());
    assertEquals(true, String.valueOf(refused).contains("too many operations in txn request"), String.valueOf(refused));

    int leader = cluster.leader().index();
    int follower = (leader + 1) % 3;
    cluster.partition(Set.of(follower), Set.of(leader, (leader + 2) % 3));
    // the injected client may pick the cut-off member, which has no leader now: write to the majority
    try (Client majority = Client.builder().endpoints(cluster.member(leader).clientUrl().toString()).build()) {
      majority.kv().put(ByteString.copyFromUtf8("p"), ByteString.copyFromUtf8("majority")).join();
    }
    cluster.heal();
    try (Client only = Client.builder().endpoints(cluster.member(follower).clientUrl().toString()).build()) {
      KetchAssertions.assertEventuallyEquals(only, "p", "majority", Duration.ofSeconds(30));
    }
  }
}
