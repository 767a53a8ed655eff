package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential conformance suite: seeded random sequences of Range, Put, DeleteRange, Txn,
 * Compact and the unary Lease calls (every option, nested txns, leases attached and revoked, error
 * cases) sent to etcd and to Ketch, each started fresh; every response must be identical.
 */
class KvDifferentialTest {
  private static final int OPS_PER_SEED = 1500;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 20261122})
  void randomSequencesAnswerAsEtcdDoes(long seed) {
    try (Differential d = new Differential()) {
      Map<String, Integer> succeeded = d.runRandom(seed, OPS_PER_SEED);
      for (String kind : List.of("PutRequest", "PutRequest+lease", "TxnRequest", "DeleteRangeRequest",
          "CompactionRequest", "LeaseGrantRequest", "LeaseRevokeRequest", "LeaseTimeToLiveRequest")) {
        assertTrue(succeeded.getOrDefault(kind, 0) > 0, () -> "no successful " + kind + ": " + succeeded);
      }
    }
  }
}
