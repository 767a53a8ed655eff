package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the test classes that run each case against etcd (the oracle) and Ketch: one fresh
 * server of each for the whole class.
 */
abstract class EtcdAndKetch {
  static EtcdOracle etcd;
  static KetchNode ketch;

  @BeforeAll
  static void startServers() {
    etcd = new EtcdOracle();
    ketch = new KetchNode();
  }

  @AfterAll
  static void stopServers() {
    if (etcd != null) {
      etcd.close();
    }
    if (ketch != null) {
      ketch.close();
    }
  }

  /** Both servers, etcd first. */
  static List<Endpoint> servers() {
    return List.of(etcd, ketch);
  }

  /** Runs the scenario through ketch-client on each server; the transcripts must be equal. */
  static void sameOnBoth(ClientFixture.Scenario s) throws Exception {
    Map<String, String> t = ClientFixture.runOn(servers(), s);
    assertEquals(t.get("etcd"), t.get("ketch"));
  }
}
