package io.ketch.server.api;

import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.server.raft.RaftNode;

/** Fills the identity part of a response header (cluster, member, term), as etcd's header filler. */
public final class Headers {
  private final RaftNode raft;

  public Headers(RaftNode raft) {
    this.raft = raft;
  }

  ResponseHeader fill(ResponseHeader h) {
    return h.toBuilder()
        .setClusterId(raft.clusterId())
        .setMemberId(raft.memberId())
        .setRaftTerm(raft.term())
        .build();
  }

  /** A header for a response that carries only the store revision. */
  public ResponseHeader of(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(raft.clusterId())
        .setMemberId(raft.memberId())
        .setRaftTerm(raft.term())
        .setRevision(revision)
        .build();
  }
}
