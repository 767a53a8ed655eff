package io.ketch.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {
  @Test
  void defaultSingleMemberHasEtcdsIds() {
    // what `etcd` with no flags reports: member 8e9e05c52164694d in cluster cdf818194e3a8c32
    long member = MemberIds.memberId(List.of(URI.create("http://localhost:2380")), "etcd-cluster");
    assertEquals("8e9e05c52164694d", MemberIds.hex(member));
    assertEquals("cdf818194e3a8c32", MemberIds.hex(MemberIds.clusterId(List.of(member))));
  }
}
