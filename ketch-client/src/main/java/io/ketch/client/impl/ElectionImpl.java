package io.ketch.client.impl;

import com.google.protobuf.ByteString;
import io.grpc.stub.StreamObserver;
import io.ketch.api.v3electionpb.CampaignRequest;
import io.ketch.api.v3electionpb.CampaignResponse;
import io.ketch.api.v3electionpb.ElectionGrpc;
import io.ketch.api.v3electionpb.LeaderKey;
import io.ketch.api.v3electionpb.LeaderRequest;
import io.ketch.api.v3electionpb.LeaderResponse;
import io.ketch.api.v3electionpb.ProclaimRequest;
import io.ketch.api.v3electionpb.ProclaimResponse;
import io.ketch.api.v3electionpb.ResignRequest;
import io.ketch.api.v3electionpb.ResignResponse;
import io.ketch.client.Election;
import io.ketch.client.EtcdException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@link Election} over a {@link Connection}; election names and keys live in the client's namespace. */
public final class ElectionImpl implements Election {
  private final Connection conn;
  private final Duration timeout;

  /** The service over {@code conn}, each call with deadline {@code timeout} (null: none). */
  public ElectionImpl(Connection conn, Duration timeout) {
    this.conn = conn;
    this.timeout = timeout;
  }

  private LeaderKey in(LeaderKey k) {
    Namespace ns = conn.namespace();
    return k.toBuilder().setName(ns.key(k.getName())).setKey(ns.key(k.getKey())).build();
  }

  private LeaderKey out(LeaderKey k) {
    Namespace ns = conn.namespace();
    return k.toBuilder().setName(ns.strip(k.getName())).setKey(ns.strip(k.getKey())).build();
  }

  private LeaderResponse out(LeaderResponse r) {
    return r.hasKv() ? r.toBuilder().setKv(conn.namespace().out(r.getKv())).build() : r;
  }

  @Override
  public CompletableFuture<CampaignResponse> campaign(ByteString name, long leaseId, ByteString value) {
    CampaignRequest req = CampaignRequest.newBuilder().setName(conn.namespace().key(name)).setLease(leaseId)
        .setValue(value).build();
    return conn.call(ElectionGrpc.getCampaignMethod(), req, Connection.Retry.ONCE, timeout)
        .thenApply(r -> r.toBuilder().setLeader(out(r.getLeader())).build());
  }

  @Override
  public CompletableFuture<ProclaimResponse> proclaim(LeaderKey leader, ByteString value) {
    ProclaimRequest req = ProclaimRequest.newBuilder().setLeader(in(leader)).setValue(value).build();
    return conn.call(ElectionGrpc.getProclaimMethod(), req, Connection.Retry.ONCE, timeout);
  }

  @Override
  public CompletableFuture<LeaderResponse> leader(ByteString name) {
    LeaderRequest req = LeaderRequest.newBuilder().setName(conn.namespace().key(name)).build();
    return conn.call(ElectionGrpc.getLeaderMethod(), req, Connection.Retry.REPEATABLE,
        timeout == null ? conn.requestTimeout() : timeout).thenApply(this::out);
  }

  @Override
  public AutoCloseable observe(ByteString name, ObserveListener listener) {
    LeaderRequest req = LeaderRequest.newBuilder().setName(conn.namespace().key(name)).build();
    AtomicBoolean closed = new AtomicBoolean();
    Runnable cancel = conn.serverStream(null, ElectionGrpc.getObserveMethod(), req,
        new StreamObserver<LeaderResponse>() {
          @Override
          public void onNext(LeaderResponse r) {
            LeaderResponse o = out(r);
            conn.listeners().execute(() -> listener.onLeader(o));
          }

          @Override
          public void onError(Throwable t) {
            EtcdException e = EtcdException.of(t);
            conn.listeners().execute(() -> {
              if (closed.get()) {
                listener.onCompleted();
              } else {
                listener.onError(e);
              }
            });
          }

          @Override
          public void onCompleted() {
            conn.listeners().execute(listener::onCompleted);
          }
        });
    return () -> {
      if (closed.compareAndSet(false, true)) {
        cancel.run();
      }
    };
  }

  @Override
  public CompletableFuture<ResignResponse> resign(LeaderKey leader) {
    return conn.call(ElectionGrpc.getResignMethod(), ResignRequest.newBuilder().setLeader(in(leader)).build(),
        Connection.Retry.ONCE, timeout);
  }

  @Override
  public Election withTimeout(Duration timeout) {
    return new ElectionImpl(conn, timeout);
  }
}
