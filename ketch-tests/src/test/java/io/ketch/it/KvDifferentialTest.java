package io.ketch.it;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The differential conformance suite: seeded random sequences of Range, Put, DeleteRange, Txn and
 * Compact (every option, nested txns, error cases) sent to etcd and to Ketch, each started fresh;
 * every response must be identical.
 */
class KvDifferentialTest {
  private static final int OPS_PER_SEED = 1500;

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 20261122})
  void randomSequencesAnswerAsEtcdDoes(long seed) {
    try (Differential d = new Differential()) {
      d.runRandom(seed, OPS_PER_SEED);
    }
  }
}
