package io.ketch.server.concurrency;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.TxnRequest;
import io.ketch.api.mvccpb.Event;
import io.ketch.api.mvccpb.KeyValue;
import io.ketch.api.v3electionpb.CampaignResponse;
import io.ketch.api.v3electionpb.LeaderKey;
import io.ketch.api.v3electionpb.LeaderResponse;
import io.ketch.api.v3electionpb.ProclaimResponse;
import io.ketch.api.v3electionpb.ResignResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The Election service's logic, as etcd's server runs clientv3's Election: a candidate's key is
 * {@code name/<lease in hex>} holding its value; the candidate whose key was created first leads.
 * Proclaim and Resign act only while the caller's key still has the creation revision it was
 * elected with (its {@link LeaderKey#getRev()}), so a stale leader cannot change anything.
 */
public final class Elections {
  /** etcd's election errors (plain Go errors, so gRPC code UNKNOWN). */
  static StatusRuntimeException notLeader() {
    return Status.UNKNOWN.withDescription("election: not leader").asRuntimeException();
  }

  static StatusRuntimeException noLeader() {
    return Status.UNKNOWN.withDescription("election: no leader").asRuntimeException();
  }

  public static StatusRuntimeException missingLeaderKey() {
    return Status.UNKNOWN.withDescription("\"leader\" field must be provided").asRuntimeException();
  }

  private final KvClient kv;
  private final KeyChanges changes;
  private final DeleteWaiter waiter;
  private final Executor executor;

  /**
   * @param executor the single thread {@code changes} calls its listeners on: observers do all their
   *     work there, so each observer's responses go out one at a time and in order
   */
  public Elections(KvClient kv, KeyChanges changes, Executor executor) {
    this.kv = kv;
    this.changes = changes;
    this.waiter = new DeleteWaiter(kv, changes);
    this.executor = executor;
  }

  /**
   * Campaigns in election {@code name} with {@code lease}; completes once this candidate leads. A
   * candidate already in the election with another value proclaims the new one. If
   * {@code cancelled} completes first, the candidate resigns and the result fails.
   */
  public CompletableFuture<CampaignResponse> campaign(ByteString name, long lease, ByteString value,
      CompletableFuture<Void> cancelled) {
    if (lease == 0) {
      return Ops.leaseRequired("a campaign", "CampaignRequest.lease");
    }
    ByteString prefix = Ops.prefixOf(name);
    ByteString key = Ops.sessionKey(name, lease);
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Ops.createRevisionIs(key, 0))
        .addSuccess(Ops.put(key, value, lease))
        .addFailure(Ops.get(key))
        .build();
    return kv.txn(txn).thenCompose(resp -> {
      LeaderKey.Builder leader = LeaderKey.newBuilder().setName(name).setKey(key).setLease(lease)
          .setRev(resp.getHeader().getRevision());
      CompletableFuture<?> ready = CompletableFuture.completedFuture(null);
      if (!resp.getSucceeded()) {
        KeyValue mine = resp.getResponses(0).getResponseRange().getKvs(0);
        leader.setRev(mine.getCreateRevision());
        if (!mine.getValue().equals(value)) {
          ready = proclaim(leader.build(), value).exceptionallyCompose(err ->
              resign(leader.build()).handle((r, e) -> {
                throw new java.util.concurrent.CompletionException(err);
              }));
        }
      }
      CampaignResponse won = CampaignResponse.newBuilder().setHeader(resp.getHeader()).setLeader(leader).build();
      return ready
          .thenCompose(v -> waiter.waitDeletes(prefix, leader.getRev() - 1, cancelled))
          .whenComplete((h, err) -> {
            if (err != null && cancelled.isDone()) {
              resign(leader.build()); // the candidate gave up: leave the election
            }
          })
          .thenApply(h -> won);
    });
  }

  /** Sets a new value as leader {@code leader}; fails with "election: not leader" if it no longer leads. */
  public CompletableFuture<ProclaimResponse> proclaim(LeaderKey leader, ByteString value) {
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Ops.createRevisionIs(leader.getKey(), leader.getRev()))
        .addSuccess(Ops.put(leader.getKey(), value, leader.getLease()))
        .build();
    return kv.txn(txn).thenApply(resp -> {
      if (!resp.getSucceeded()) {
        throw notLeader();
      }
      return ProclaimResponse.newBuilder().setHeader(resp.getHeader()).build();
    });
  }

  /** Leaves the election: deletes the leader's key if it is still the one elected. */
  public CompletableFuture<ResignResponse> resign(LeaderKey leader) {
    TxnRequest txn = TxnRequest.newBuilder()
        .addCompare(Ops.createRevisionIs(leader.getKey(), leader.getRev()))
        .addSuccess(Ops.delete(leader.getKey()))
        .build();
    return kv.txn(txn).thenApply(resp -> ResignResponse.newBuilder().setHeader(resp.getHeader()).build());
  }

  /** The current leader's key-value; fails with "election: no leader" when there is none. */
  public CompletableFuture<LeaderResponse> leader(ByteString name) {
    return kv.range(Ops.firstCreated(Ops.prefixOf(name))).thenApply(r -> {
      if (r.getKvsCount() == 0) {
        throw noLeader();
      }
      return LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build();
    });
  }

  /**
   * Streams the election's leaders to {@code out}, as clientv3's Observe: the current leader (or the
   * first key put once there is none), then each new value it proclaims; when it goes, the next
   * leader. {@code out} is called on the recipes' executor. Completes when {@code cancelled} does;
   * fails (on the executor) if a read fails.
   */
  public CompletableFuture<Void> observe(ByteString name, Consumer<LeaderResponse> out, CompletableFuture<Void> cancelled) {
    return new Observer(name, out, cancelled).run();
  }

  /** One Observe call: alternates between finding a leader and following its key. */
  private final class Observer {
    private final ByteString prefix;
    private final Consumer<LeaderResponse> out;
    private final CompletableFuture<Void> cancelled;
    private final CompletableFuture<Void> done = new CompletableFuture<>();

    Observer(ByteString name, Consumer<LeaderResponse> out, CompletableFuture<Void> cancelled) {
      this.prefix = Ops.prefixOf(name);
      this.out = out;
      this.cancelled = cancelled;
      cancelled.whenComplete((v, err) -> done.complete(null));
    }

    CompletableFuture<Void> run() {
      findLeader();
      return done;
    }

    private void fail(Throwable err) {
      done.completeExceptionally(err);
    }

    /** Reads the leader; with none, waits for the first put under the prefix. */
    private void findLeader() {
      if (done.isDone()) {
        return;
      }
      CompletableFuture<LeaderResponse> first = new CompletableFuture<>();
      KeyChanges.Subscription sub = changes.onPrefix(prefix, e -> {
        if (e.getType() == Event.EventType.PUT) {
          first.complete(LeaderResponse.newBuilder().setKv(e.getKv()).build());
        }
      });
      kv.range(Ops.firstCreated(prefix)).whenCompleteAsync((r, err) -> {
        if (err != null) {
          first.completeExceptionally(err);
        } else if (r.getKvsCount() > 0) {
          first.complete(LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build());
        }
      }, executor);
      done.whenComplete((v, err) -> sub.close());
      first.whenCompleteAsync((l, err) -> {
        sub.close();
        if (err != null) {
          fail(err);
          return;
        }
        if (!l.hasHeader() || l.getHeader().getRevision() == 0) {
          // heard, not read: like clientv3, report the put's own revision
          l = l.toBuilder().setHeader(kv.headerAt(l.getKv().getModRevision())).build();
        }
        follow(l);
      }, executor);
    }

    /** Sends {@code leader}, then every new value of its key until the key is deleted. Executor only. */
    private void follow(LeaderResponse leader) {
      if (done.isDone()) {
        return;
      }
      out.accept(leader);
      ByteString key = leader.getKv().getKey();
      long[] lastSent = {leader.getKv().getModRevision()};
      CompletableFuture<Void> gone = new CompletableFuture<>();
      KeyChanges.Subscription sub = changes.onKey(key, e -> {
        if (gone.isDone() || done.isDone()) {
          return;
        }
        if (e.getType() == Event.EventType.DELETE) {
          gone.complete(null);
        } else if (e.getKv().getModRevision() > lastSent[0]) {
          lastSent[0] = e.getKv().getModRevision();
          out.accept(LeaderResponse.newBuilder().setHeader(kv.headerAt(lastSent[0])).setKv(e.getKv()).build());
        }
      });
      done.whenComplete((v, err) -> sub.close());
      // subscribed first, read second: catch what changed since the leader was read
      kv.range(RangeRequest.newBuilder().setKey(key).build()).whenCompleteAsync((r, err) -> {
        if (gone.isDone() || done.isDone()) {
          return;
        }
        if (err != null) {
          gone.completeExceptionally(err);
        } else if (r.getKvsCount() == 0 || r.getKvs(0).getCreateRevision() != leader.getKv().getCreateRevision()) {
          gone.complete(null);
        } else if (r.getKvs(0).getModRevision() > lastSent[0]) {
          lastSent[0] = r.getKvs(0).getModRevision();
          out.accept(LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build());
        }
      }, executor);
      gone.whenCompleteAsync((v, err) -> {
        sub.close();
        if (err != null) {
          fail(err);
        } else {
          findLeader();
        }
      }, executor);
    }
  }
}
