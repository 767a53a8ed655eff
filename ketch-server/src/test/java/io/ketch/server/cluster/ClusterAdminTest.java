package io.ketch.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ketch.api.EtcdError;
import io.ketch.api.etcdserverpb.MemberAddRequest;
import io.ketch.api.etcdserverpb.MemberPromoteRequest;
import io.ketch.api.etcdserverpb.MemberRemoveRequest;
import io.ketch.api.etcdserverpb.MemberUpdateRequest;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.proto.MemberChange;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's membership checks, decided on the leader: strict reconfiguration (started members, every
 * voter connected, a member that is down may be removed), the learner in-sync rule, URL validation,
 * and the member IDs of MemberAdd; then the apply-time checks of the member table.
 */
class ClusterAdminTest {
  private static final long SELF = 1;

  @TempDir
  Path dir;

  private RocksBackend backend;
  private Membership membership;
  private final Map<Long, RaftGroupView.Progress> progress = new HashMap<>();
  private long lastIndex = 100;

  @BeforeEach
  void open() {
    backend = RocksBackend.open(dir);
    membership = Membership.load(backend, 1);
    apply(MemberChange.newBuilder().setBootstrap(MemberChange.Bootstrap.newBuilder()
        .addMembers(member(1, "m1", false)).addMembers(member(2, "m2", false)).addMembers(member(3, "m3", false)))
        .build());
    connected(2);
    connected(3);
  }

  @AfterEach
  void close() {
    backend.close();
  }

  private static MemberRecord member(long id, String name, boolean learner) {
    return MemberRecord.newBuilder().setId(id).setName(name).addPeerUrls("http://127.0.0.1:" + (20000 + id))
        .setIsLearner(learner).build();
  }

  private Membership.Result apply(MemberChange c) {
    try (Backend.Batch b = backend.newBatch()) {
      Membership.Result r = membership.apply(b, c);
      backend.commit(b);
      return r;
    }
  }

  private void connected(long id) {
    progress.put(id, new RaftGroupView.Progress(lastIndex, Duration.ofMillis(100)));
  }

  private void down(long id) {
    progress.put(id, new RaftGroupView.Progress(lastIndex, Duration.ofSeconds(30)));
  }

  private ClusterAdmin admin(boolean strict) {
    RaftGroupView raft = new RaftGroupView() {
      @Override
      public long memberId() {
        return SELF;
      }

      @Override
      public boolean running() {
        return true;
      }

      @Override
      public boolean leading() {
        return true;
      }

      @Override
      public Configuration configuration() {
        return latestConfiguration();
      }

      @Override
      public Configuration latestConfiguration() {
        return new Configuration(Set.of(1L, 2L, 3L), Set.of());
      }

      @Override
      public long lastIndex() {
        return lastIndex;
      }

      @Override
      public Map<Long, Progress> progress() {
        return progress;
      }

      @Override
      public CompletableFuture<Void> reconfigure(Configuration next) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<Void> transferLeadership(long target, Duration timeout) {
        throw new UnsupportedOperationException();
      }

      @Override
      public CompletableFuture<Boolean> reachable(String address) {
        return CompletableFuture.completedFuture(true);
      }
    };
    return new ClusterAdmin(42, membership, raft, c -> CompletableFuture.completedFuture(apply(c)), strict,
        () -> 1796219259L);
  }

  private static EtcdError refusal(Runnable r) {
    return assertThrows(EtcdException.class, r::run).error();
  }

  @Test
  void memberAddGetsEtcdsTimeBasedIdAndRefusesBadUrls() throws Exception {
    // etcd 3.4.23 gave 1056daa09183bd4c to http://127.0.0.1:32680 added at Unix time 1796219259
    assertEquals(0x1056daa09183bd4cL,
        ClusterAdmin.newMemberId(List.of("http://127.0.0.1:32680"), 1796219259L));
    ClusterAdmin admin = admin(true);
    assertEquals(4, admin.add(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:30004").build())
        .get().getMembersCount());
    for (List<String> bad : List.of(List.<String>of(), List.of("foo"), List.of("http://127.0.0.1:1/path"),
        List.of("ftp://127.0.0.1:1"), List.of("http://127.0.0.1"))) {
      assertEquals(EtcdError.MEMBER_BAD_URLS,
          refusal(() -> admin.add(MemberAddRequest.newBuilder().addAllPeerURLs(bad).build())), bad.toString());
    }
    assertEquals(EtcdError.MEMBER_BAD_URLS,
        refusal(() -> admin.update(MemberUpdateRequest.newBuilder().setID(2).build())), "empty update");
  }

  @Test
  void strictChecksRefuseWhatWouldRiskTheQuorumAsEtcdDoes() throws Exception {
    down(3);
    ClusterAdmin strict = admin(true);
    assertEquals(EtcdError.UNHEALTHY,
        refusal(() -> strict.add(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:30004").build())));
    assertEquals(EtcdError.UNHEALTHY, refusal(() -> strict.add(MemberAddRequest.newBuilder()
        .addPeerURLs("http://127.0.0.1:30004").setIsLearner(true).build())), "a learner add too needs every voter");
    assertEquals(EtcdError.UNHEALTHY,
        refusal(() -> strict.remove(MemberRemoveRequest.newBuilder().setID(2).build())), "removing a live voter");
    assertEquals(2, strict.remove(MemberRemoveRequest.newBuilder().setID(3).build()).get().getMembersCount(),
        "a member that is down may go");
    // without the check, etcd takes any change
    assertEquals(3, admin(false).add(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:30004").build())
        .get().getMembersCount());
  }

  @Test
  void tooFewStartedMembersRefuseAVoter() {
    // a member added but never started has no name: it does not count as started
    apply(MemberChange.newBuilder().setAdd(member(4, "", false)).build());
    apply(MemberChange.newBuilder().setAdd(member(5, "", false)).build());
    connected(4);
    connected(5);
    assertEquals(EtcdError.MEMBER_NOT_ENOUGH_STARTED, refusal(() -> admin(true)
        .add(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:30006").build())));
  }

  @Test
  void aLearnerIsPromotedOnlyOnceInSync() throws Exception {
    ClusterAdmin admin = admin(true);
    long id = admin.add(MemberAddRequest.newBuilder().addPeerURLs("http://127.0.0.1:30004").setIsLearner(true).build())
        .get().getMember().getID();
    assertEquals(EtcdError.TOO_MANY_LEARNERS, refusal(() -> admin.add(MemberAddRequest.newBuilder()
        .addPeerURLs("http://127.0.0.1:30005").setIsLearner(true).build())));
    assertEquals(EtcdError.LEARNER_NOT_READY,
        refusal(() -> admin.promote(MemberPromoteRequest.newBuilder().setID(id).build())), "not replicating yet");
    progress.put(id, new RaftGroupView.Progress(89, Duration.ZERO));
    assertEquals(EtcdError.LEARNER_NOT_READY,
        refusal(() -> admin.promote(MemberPromoteRequest.newBuilder().setID(id).build())), "below 90%");
    progress.put(id, new RaftGroupView.Progress(90, Duration.ZERO));
    assertEquals(false, admin.promote(MemberPromoteRequest.newBuilder().setID(id).build()).get().getMembersList()
        .stream().filter(m -> m.getID() == id).findFirst().orElseThrow().getIsLearner());
    assertEquals(EtcdError.MEMBER_NOT_LEARNER,
        refusal(() -> admin.promote(MemberPromoteRequest.newBuilder().setID(id).build()).join()));
  }

  @Test
  void theTableRefusesWhatEtcdsApplyRefuses() {
    assertEquals(EtcdError.MEMBER_EXIST, refusal(() -> apply(MemberChange.newBuilder().setAdd(member(2, "", false)).build())));
    assertEquals(EtcdError.PEER_URL_EXIST, refusal(() -> apply(MemberChange.newBuilder().setAdd(
        MemberRecord.newBuilder().setId(9).addPeerUrls("http://127.0.0.1:20002")).build())));
    assertEquals(EtcdError.MEMBER_NOT_FOUND, refusal(() -> apply(MemberChange.newBuilder().setRemove(9).build())));
    apply(MemberChange.newBuilder().setRemove(3).build());
    assertEquals(EtcdError.MEMBER_NOT_FOUND, refusal(() -> apply(MemberChange.newBuilder().setRemove(3).build())),
        "a removed ID is gone for good");
    assertEquals(EtcdError.MEMBER_NOT_FOUND, refusal(() -> apply(MemberChange.newBuilder().setPromote(3).build())));
    assertEquals(EtcdError.MEMBER_NOT_LEARNER, refusal(() -> apply(MemberChange.newBuilder().setPromote(2).build())));
    // the table survives a reopen
    Membership reloaded = Membership.load(backend, 1);
    assertEquals(List.of(1L, 2L), reloaded.members().stream().map(MemberRecord::getId).toList());
    assertEquals(true, reloaded.isRemoved(3));
  }
}
