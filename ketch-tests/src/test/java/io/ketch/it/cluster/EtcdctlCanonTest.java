package io.ketch.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.ketch.it.Endpoint;
import io.ketch.it.Etcdctl;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link EtcdctlCanon} rewrites, and what it must leave visible, on etcd 3.4's own output
 * (recorded in a cluster whose members m1..m3 had client ports 32379/32479/32579 and peer ports one
 * higher; see the notes on etcd's cluster behaviour).
 */
class EtcdctlCanonTest {
  private static final String LIST_JSON = "{\"header\":{\"cluster_id\":8152833269594645513,"
      + "\"member_id\":14590032085621120027,\"raft_term\":2},\"members\":["
      + "{\"ID\":4752967736919646943,\"name\":\"m2\",\"peerURLs\":[\"http://127.0.0.1:32480\"],\"clientURLs\":[\"http://127.0.0.1:32479\"]},"
      + "{\"ID\":9343290451065672739,\"name\":\"m3\",\"peerURLs\":[\"http://127.0.0.1:32580\"],\"clientURLs\":[\"http://127.0.0.1:32579\"]},"
      + "{\"ID\":14590032085621120027,\"name\":\"m1\",\"peerURLs\":[\"http://127.0.0.1:32380\"],\"clientURLs\":[\"http://127.0.0.1:32379\"]},"
      // an unstarted member whose ID has 15 hex digits (etcdctl pads it in tables and in %16x)
      + "{\"ID\":1147797409030816545,\"peerURLs\":[\"http://127.0.0.1:32680\"]}]}\n";

  private EtcdctlCanon canon;

  @BeforeEach
  void learn() {
    canon = new EtcdctlCanon(new FixedSlots(), 4);
    canon.learn(LIST_JSON);
  }

  private String stdout(String out) {
    return canon.canon(new Etcdctl.Result(0, out, ""), false);
  }

  @Test
  void memberRowsInIdOrderComeOutInSlotOrderWithPlaceholders() {
    assertEquals("exit=0\n--stdout--\n"
        + "{m1}, started, m1, http://127.0.0.1:{m1.peer}, http://127.0.0.1:{m1.client}, false\n"
        + "{m2}, started, m2, http://127.0.0.1:{m2.peer}, http://127.0.0.1:{m2.client}, false\n"
        + "{m3}, started, m3, http://127.0.0.1:{m3.peer}, http://127.0.0.1:{m3.client}, false\n"
        + "{m4}, unstarted, , http://127.0.0.1:{m4.peer}, , false\n"
        + "--stderr--\n", stdout(""
        + "fedcba987654321, unstarted, , http://127.0.0.1:32680, , false\n"
        + "41f5eef973fce2df, started, m2, http://127.0.0.1:32480, http://127.0.0.1:32479, false\n"
        + "81aa092991119423, started, m3, http://127.0.0.1:32580, http://127.0.0.1:32579, false\n"
        + "ca7a34e16cff9c1b, started, m1, http://127.0.0.1:32380, http://127.0.0.1:32379, false\n"));
  }

  @Test
  void rowsOutOfIdOrderLeaveAMarker() {
    assertEquals("exit=0\n--stdout--\n"
        + "{m1}, started, m1, http://127.0.0.1:{m1.peer}, http://127.0.0.1:{m1.client}, false\n"
        + "{m2}, started, m2, http://127.0.0.1:{m2.peer}, http://127.0.0.1:{m2.client}, false\n"
        + EtcdctlCanon.OUT_OF_ORDER + "\n--stderr--\n", stdout(""
        + "ca7a34e16cff9c1b, started, m1, http://127.0.0.1:32380, http://127.0.0.1:32379, false\n"
        + "41f5eef973fce2df, started, m2, http://127.0.0.1:32480, http://127.0.0.1:32479, false\n"));
    String json = "{\"header\":{},\"members\":[{\"ID\":14590032085621120027,\"name\":\"m1\",\"peerURLs\":[\"x\"]},"
        + "{\"ID\":4752967736919646943,\"name\":\"m2\",\"peerURLs\":[\"y\"]}]}\n";
    assertEquals("exit=0\n--stdout--\n{\"header\":{},\"members\":[{\"ID\":{m1:dec},\"name\":\"m1\",\"peerURLs\":[\"x\"]},"
        + "{\"ID\":{m2:dec},\"name\":\"m2\",\"peerURLs\":[\"y\"]}" + EtcdctlCanon.OUT_OF_ORDER + "]}\n--stderr--\n",
        stdout(json));
  }

  @Test
  void tablesLoseOnlyTheirBordersAndPadding() {
    assertEquals("exit=0\n--stdout--\n"
        + "ID | STATUS | NAME | PEER ADDRS | CLIENT ADDRS | IS LEARNER\n"
        + "{m2} | started | m2 | http://127.0.0.1:{m2.peer} | http://127.0.0.1:{m2.client} | false\n"
        + "{m4} | unstarted |  | http://127.0.0.1:{m4.peer} |  | false\n"
        + "--stderr--\n", stdout(""
        + "+------------------+-----------+------+------------------------+------------------------+------------+\n"
        + "|        ID        |  STATUS   | NAME |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |\n"
        + "+------------------+-----------+------+------------------------+------------------------+------------+\n"
        + "|  fedcba987654321 | unstarted |      | http://127.0.0.1:32680 |                        |      false |\n"
        + "| 41f5eef973fce2df |   started |   m2 | http://127.0.0.1:32480 | http://127.0.0.1:32479 |      false |\n"
        + "+------------------+-----------+------+------------------------+------------------------+------------+\n"));
  }

  @Test
  void anIdInTheWrongBaseOrPlaceStillShows() {
    assertNotEquals(stdout("{\"ID\":14590032085621120027}\n"), stdout("{\"ID\":\"ca7a34e16cff9c1b\"}\n"));
    assertEquals("exit=0\n--stdout--\n{\"header\":{\"cluster_id\":{cluster:dec},\"member_id\":{m2:dec},"
        + "\"raft_term\":{raft term}}}\n--stderr--\n",
        stdout("{\"header\":{\"cluster_id\":8152833269594645513,\"member_id\":4752967736919646943,\"raft_term\":7}}\n"));
  }

  @Test
  void memberAddOutput() {
    assertEquals("exit=0\n--stdout--\nMember {m4} added to cluster {cluster}\n\nETCD_NAME=\"m4\"\n"
        + "ETCD_INITIAL_CLUSTER=\"m1=http://127.0.0.1:{m1.peer},m2=http://127.0.0.1:{m2.peer},"
        + "m3=http://127.0.0.1:{m3.peer},m4=http://127.0.0.1:{m4.peer}\"\n--stderr--\n", stdout(""
        + "Member  fedcba987654321 added to cluster 7124aea9c32ce409\n\nETCD_NAME=\"m4\"\n"
        + "ETCD_INITIAL_CLUSTER=\"m4=http://127.0.0.1:32680,m2=http://127.0.0.1:32480,m3=http://127.0.0.1:32580,"
        + "m1=http://127.0.0.1:32380\"\n"));
  }

  @Test
  void endpointStatusKeepsWhoLeadsUnlessElected() {
    String table = ""
        + "| http://127.0.0.1:32479 | 41f5eef973fce2df |  3.4.23 |   20 kB |     false |      false |         2 |          8 |                  8 |        |\n"
        + "| http://127.0.0.1:32379 | ca7a34e16cff9c1b |  3.4.23 |   20 kB |      true |      false |         2 |          8 |                  8 |        |\n";
    String values = " | {version} | {db size} | %s | false | {raft term} | {raft index} | {raft applied index} | \n";
    assertEquals("exit=0\n--stdout--\n"
        + "http://127.0.0.1:{m1.client} | {m1}" + values.formatted("true")
        + "http://127.0.0.1:{m2.client} | {m2}" + values.formatted("false")
        + "--stderr--\n", stdout(table));
    assertEquals("exit=0\n--stdout--\n"
        + "http://127.0.0.1:{m1.client} | {m1}" + values.formatted("{elected}")
        + "http://127.0.0.1:{m2.client} | {m2}" + values.formatted("{elected}")
        + "--stderr--\n", canon.canon(new Etcdctl.Result(0, table, ""), true));
    assertEquals("exit=0\n--stdout--\nhttp://127.0.0.1:{m2.client}, {m2}, {version}, {db size}, false, false,"
        + " {raft term}, {raft index}, {raft applied index}, \n--stderr--\n",
        stdout("http://127.0.0.1:32479, 41f5eef973fce2df, 3.4.23, 20 kB, false, false, 2, 8, 8, \n"));
  }

  @Test
  void healthLinesAreSortedAndRetryWarningsKeepTheirCode() {
    String err = ""
        + "{\"level\":\"warn\",\"ts\":\"2026-12-02T13:50:41.053Z\",\"caller\":\"clientv3/retry_interceptor.go:62\","
        + "\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-6dde2b6d-68c5-47d7-bcdd-486872f21784/127.0.0.1:32579\","
        + "\"attempt\":0,\"error\":\"rpc error: code = FailedPrecondition desc = etcdserver: Peer URLs already exists\"}\n"
        + "http://127.0.0.1:32579 is healthy: successfully committed proposal: took = 4.755694ms\n"
        + "http://127.0.0.1:32379 is healthy: successfully committed proposal: took = 6.192065ms\n";
    assertEquals("exit=1\n--stdout--\n--stderr--\n"
        + "{\"level\":\"warn\",\"ts\":\"{ts}\",\"caller\":\"clientv3/retry_interceptor.go:62\","
        + "\"msg\":\"retrying of unary invoker failed\",\"target\":\"endpoint://client-{uuid}/127.0.0.1:{m3.client}\","
        + "\"attempt\":0,\"error\":\"rpc error: code = FailedPrecondition desc = etcdserver: Peer URLs already exists\"}\n"
        + "http://127.0.0.1:{m1.client} is healthy: successfully committed proposal: took = {took}\n"
        + "http://127.0.0.1:{m3.client} is healthy: successfully committed proposal: took = {took}\n",
        canon.canon(new Etcdctl.Result(1, "", err), false));
  }

  /** Slot i: client port 32279 + 100 i, peer port one higher, as in the recorded cluster. */
  private static final class FixedSlots implements ClusterSlots {
    @Override
    public String label() {
      return "recorded";
    }

    @Override
    public String peerUrl(int slot) {
      return "http://127.0.0.1:" + peerPort(slot);
    }

    @Override
    public int peerPort(int slot) {
      return clientPort(slot) + 1;
    }

    @Override
    public int clientPort(int slot) {
      return 32279 + 100 * slot;
    }

    @Override
    public Endpoint endpoint(int slot) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void startJoiner(int slot, String initialCluster) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean running(int slot) {
      return false;
    }

    @Override
    public int awaitExit(int slot, long seconds) {
      return -1;
    }

    @Override
    public String logTail(int slot, int lines) {
      return "";
    }

    @Override
    public void close() {}
  }
}
