package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HashKV against etcd's own: seeded random histories ({@link KvOpGenerator}'s puts, deletes, txns,
 * lease revokes and compactions, plus compactions at chosen revisions, physical or not, and deletions
 * of every key, so that some revisions have nothing live) sent to etcd and to Ketch. Every
 * {@value #CHECK_EVERY} requests both are asked HashKV at the current revision (as 0 and as itself),
 * past ones, the compaction revision and its neighbours, future and negative ones: hash,
 * compact_revision and the header's revision must be equal, or the error code and text.
 *
 * <p>Before each round the deletions of earlier compactions are waited for (a physical compaction at
 * revision 1, refused as compacted, answers after them on both): while they run, a hash at a
 * revision where nothing is live depends on their progress, on etcd as on Ketch.
 *
 * <p>One known difference: etcd 3.4.23 (the oracle) refuses HashKV at exactly the compaction
 * revision; etcd 3.4.27+ and 3.5.10+ answer it, as Ketch does. There Ketch's answer is checked for
 * its revisions only. Ketch's hash_revision (etcd 3.5+; absent from 3.4's answer) must be the hashed
 * revision. Hash (whole backend; Ketch's is its own, not comparable) must answer on both with the
 * current revision in its header.
 */
class HashKvDifferentialTest {
  private static final int OPS_PER_SEED = 500;
  private static final int CHECK_EVERY = 20;
  private static final String COMPACTED = "ERROR OUT_OF_RANGE: etcdserver: mvcc: required revision has been compacted";

  /** What a seed exercised. */
  private static final class Tally {
    int compared;
    int hashesCompared;
    int afterCompaction;
    int atCompactRevision;
    int compactedWithNothingLive;

    @Override
    public String toString() {
      return "compared=" + compared + " hashes=" + hashesCompared + " after_compaction=" + afterCompaction
          + " at_compact_rev=" + atCompactRevision + " compacted_with_nothing_live=" + compactedWithNothingLive;
    }
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 20261122})
  void hashKvAnswersAsEtcds(long seed) {
    try (Differential d = new Differential();
        MaintenanceCaller etcd = new MaintenanceCaller(d.etcd());
        MaintenanceCaller ketch = new MaintenanceCaller(d.ketch())) {
      Random rnd = new Random(seed ^ 0x5eed);
      Tally tally = new Tally();
      KvOpGenerator[] last = {null};
      Map<String, Integer> succeeded = d.runRandom(seed, OPS_PER_SEED, (i, req, gen) -> {
        last[0] = gen;
        if (i > 0 && i % CHECK_EVERY == 0) {
          disturb(d, gen, rnd, tally, seed);
          compareHashes(d, etcd, ketch, gen, rnd, tally, seed);
        }
      });
      compareHashes(d, etcd, ketch, last[0], rnd, tally, seed);
      System.out.println("HashKvDifferentialTest seed " + seed + ": " + tally);
      assertTrue(succeeded.getOrDefault("CompactionRequest", 0) > 0, () -> "no compaction: " + succeeded);
      assertTrue(tally.hashesCompared >= 60, () -> "only " + tally.hashesCompared + " hashes compared");
      assertTrue(tally.afterCompaction > 0 && tally.atCompactRevision > 0,
          () -> "no hash after a compaction: " + tally.afterCompaction + "/" + tally.atCompactRevision);
    }
  }

  /** Sometimes deletes every key, sometimes compacts at a revision of our choosing. */
  private static void disturb(Differential d, KvOpGenerator gen, Random rnd, Tally tally, long seed) {
    boolean emptied = false;
    if (rnd.nextInt(5) == 0) {
      KvCaller.Outcome o = d.send(DeleteRangeRequest.newBuilder()
          .setKey(ByteString.copyFrom(new byte[1])).setRangeEnd(ByteString.copyFrom(new byte[1])).build(),
          "seed " + seed + " delete all");
      gen.rev = Math.max(gen.rev, o.revision());
      emptied = true;
    }
    if (emptied ? rnd.nextBoolean() : rnd.nextInt(3) == 0) {
      long at = emptied || gen.rev <= gen.compacted + 1 ? gen.rev
          : gen.compacted + 1 + rnd.nextInt((int) (gen.rev - gen.compacted));
      KvCaller.Outcome o = d.send(CompactionRequest.newBuilder().setRevision(at).setPhysical(rnd.nextBoolean()).build(),
          "seed " + seed + " compaction");
      if (o.ok()) {
        gen.compacted = at;
        if (emptied) {
          tally.compactedWithNothingLive++;
        }
      }
    }
  }

  private static void compareHashes(Differential d, MaintenanceCaller etcd, MaintenanceCaller ketch,
      KvOpGenerator gen, Random rnd, Tally tally, long seed) {
    long compacted = gen.compacted;
    if (compacted > 0) {
      d.send(CompactionRequest.newBuilder().setRevision(1).setPhysical(true).build(), "seed " + seed + " barrier");
    }
    MaintenanceCaller.HashKv now = etcd.hashKv(0);
    assertTrue(now.ok(), now::text);
    long current = now.response().getHeader().getRevision();
    Set<Long> revisions = new LinkedHashSet<>();
    revisions.add(0L);
    revisions.add(current);
    revisions.add(current + 1);
    revisions.add(-1L);
    revisions.add(1L);
    long oldest = Math.max(1, compacted);
    revisions.add(oldest + (long) rnd.nextInt((int) (current - oldest + 1)));
    revisions.add(oldest + (long) rnd.nextInt((int) (current - oldest + 1)));
    if (compacted > 0) {
      revisions.add(compacted);
      revisions.add(compacted + 1);
      revisions.add(compacted - 1);
    }
    for (long rev : revisions) {
      MaintenanceCaller.HashKv e = etcd.hashKv(rev);
      MaintenanceCaller.HashKv k = ketch.hashKv(rev);
      String where = "seed " + seed + ", HashKV at " + rev + " (current " + current + ", compacted " + compacted + ")";
      if (k.ok()) {
        assertEquals(rev == 0 ? current : rev, k.response().getHashRevision(), where + ": hash_revision");
      }
      if (compacted > 0 && rev == compacted) {
        assertEquals(COMPACTED, e.text(), where + ": etcd 3.4.23");
        assertTrue(k.ok(), () -> where + ": " + k.text());
        assertEquals(compacted, k.response().getCompactRevision(), where);
        assertEquals(current, k.response().getHeader().getRevision(), where);
        tally.atCompactRevision++;
        continue;
      }
      String ketchText = k.ok()
          ? TextFormat.printer().printToString(k.response().toBuilder().clearHashRevision().build()) : k.text();
      assertEquals(e.text(), ketchText, where);
      tally.compared++;
      if (e.ok() && rev >= 0) {
        tally.hashesCompared++;
        if (compacted > 0) {
          tally.afterCompaction++;
        }
      }
    }
    assertEquals(current, ketch.hash().getHeader().getRevision(), "seed " + seed + ": Hash's header revision");
    assertEquals(current, etcd.hash().getHeader().getRevision(), "seed " + seed + ": etcd Hash's header revision");
  }
}
