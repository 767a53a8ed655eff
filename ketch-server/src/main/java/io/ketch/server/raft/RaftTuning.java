package io.ketch.server.raft;

import io.ketch.server.config.ServerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Ratis's settings for a Ketch member, each with the reason it differs from Ratis's default. */
final class RaftTuning {
  private RaftTuning() {}

  static RaftProperties properties(ServerConfig cfg, Path dir, String host, int port, Duration requestTimeout) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(dir.toFile()));
    GrpcConfigKeys.Server.setHost(p, host);
    GrpcConfigKeys.Server.setPort(p, port);
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf("32MB"));
    // etcd's --election-timeout: an etcd follower that hears nothing from its leader for a random
    // [timeout, 2 x timeout) starts an election (1.5 timeouts on average). Ratis's follower instead
    // sleeps a random timeout T and only then checks whether it heard nothing for T, so a leader lost
    // during one sleep is noticed at the end of the next: the rest of the current sleep plus a whole
    // one. With Ratis's range set to [timeout, 2 x timeout] that made 2.3 timeouts on average
    // (bench/failover.sh: elections 0.6 s slower than etcd's). [0.6, 1.2] x timeout gives ~1.4 on
    // average, at least 0.6 and at most 2.4: etcd's spread, a little wider. Ratis's leader sends
    // heartbeats at half the minimum, and voters that heard their leader within the minimum refuse
    // a pre-vote, so one slow follower cannot depose a live leader.
    long election = cfg.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election * 6 / 10, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(election * 12 / 10, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(requestTimeout.toMillis(), TimeUnit.MILLISECONDS));
    if (cfg.initialCluster().size() == 1) {
      // a single member campaigns at once when it starts, as etcd's does, instead of waiting out an
      // election timeout for a leader that cannot exist (a member added later goes on from there)
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(10, TimeUnit.MILLISECONDS));
      RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(20, TimeUnit.MILLISECONDS));
    }
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
    // entries carry whole request batches: let the log and appender hold the largest one
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("9MB"));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("32MB"));
    // Ratis keeps every entry of the open segment and of up to 6 closed ones (200 MB) on the heap;
    // under sustained writes that was the old generation's live set, and the parallel collector's
    // full collections of it paused the member 100-180 ms every few seconds (GC log, 1 KiB puts).
    // Closed segments past two, or past 64 MB with the open one, are evicted once applied and
    // replicated; a lagging follower is then served from the segment files.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, 2);
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf("64MB"));
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false); // ack only after fsync (etcd #14370)
    // Ratis would log an extra entry with the commit index after every commit: a second append (and
    // apply) per write. Raft keeps the commit index volatile; a restarted member learns it from the
    // leader (a single member by committing its first entry of the new term), then applies the rest.
    // Followers learn of a commit from the next entry; when none follows, Ketch's leader sends one
    // (RaftNode's commit push) instead of waiting for a heartbeat.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    // etcd's --snapshot-count and --experimental-snapshot-catch-up-entries. Both are off in Ratis by
    // default (no snapshots, the log grows forever). A snapshot is taken every snapshot-count applied
    // entries; the log is then purged up to the snapshot less catch-up-entries, however far behind a
    // member is (etcd too compacts its log regardless): a member that needs older entries receives
    // the snapshot. A Ratis entry is a batch of requests, so on a busy member a snapshot comes after
    // more requests than etcd's would; purging removes whole closed segments only.
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    // No snapshot on stop (Ratis takes one by default). A member stopped while behind otherwise keeps
    // a snapshot at its last entry; if the leader's log now starts right after that entry (a new term
    // began there, and purging cut its segment), the leader has no previous entry to append from and
    // Ratis loops: it asks the member to install a snapshot, the member answers it already has one,
    // forever. Without the snapshot on stop the member replays its log from its last regular
    // snapshot, is told to install, and fetches the leader's (found by the embedded fault runs).
    RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(p, false);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, cfg.snapshotCount());
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(p, cfg.snapshotCatchUpEntries());
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.min(1024, cfg.snapshotCount()));
    // Ratis's own snapshot transfer starts again from the first byte whenever it breaks; Ratis instead
    // tells the follower's state machine to fetch the snapshot itself (SnapshotFetcher: resumable)
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, false);
    return p;
  }
}
