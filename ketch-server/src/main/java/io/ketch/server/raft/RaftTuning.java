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
    // etcd's --election-timeout: a follower that hears nothing from a leader for a random time in
    // [timeout, 2 x timeout) starts an election, as etcd randomises its election ticks. Ratis's
    // leader sends heartbeats at half the minimum.
    long election = cfg.electionTimeout().toMillis();
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * election, TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(requestTimeout.toMillis(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.LeaderElection.setPreVote(p, true);
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, false);
    // entries carry whole request batches: let the log and appender hold the largest one
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf("9MB"));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf("8MB"));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("64MB"));
    RaftServerConfigKeys.Log.setUnsafeFlushEnabled(p, false); // ack only after fsync (etcd #14370)
    // Ratis would log an extra entry with the commit index after every commit: a second append (and
    // apply) per write. Raft keeps the commit index volatile; a restarted member learns it from the
    // leader (a single member by committing its first entry of the new term), then applies the rest.
    // Followers learn of a commit from the next entry; when none follows, Ketch's leader sends one
    // (RaftNode's commit push) instead of waiting for a heartbeat.
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    return p;
  }
}
