package io.ketch.it;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.LeaseGrantRequest;
import io.ketch.api.etcdserverpb.LeaseGrpc;
import io.ketch.api.etcdserverpb.LeaseLeasesRequest;
import io.ketch.api.etcdserverpb.LeaseLeasesResponse;
import io.ketch.api.etcdserverpb.LeaseRevokeRequest;
import io.ketch.api.etcdserverpb.LeaseStatus;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.ketch.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends one KV or unary Lease request to a server and renders the outcome comparably: the response
 * as text with the header's cluster_id, member_id and raft_term cleared (they legitimately differ
 * between servers), or the error's gRPC code and description. Lease answers are rendered without
 * what legitimately differs too: a live lease's TTL countdown, and the order of a lease's keys and
 * of the lease list (etcd takes both from Go maps).
 */
final class KvCaller implements AutoCloseable {
  private final ManagedChannel channel;
  private final KVGrpc.KVBlockingStub kv;
  private final LeaseGrpc.LeaseBlockingStub lease;

  KvCaller(Endpoint e) {
    this(e, null);
  }

  /** Calls carrying {@code token} (gRPC metadata {@code token}, as clientv3 sends it); null: none. */
  KvCaller(Endpoint e, String token) {
    this.channel = e.channel();
    io.grpc.Channel ch = channel;
    if (token != null) {
      io.grpc.Metadata md = new io.grpc.Metadata();
      md.put(io.grpc.Metadata.Key.of("token", io.grpc.Metadata.ASCII_STRING_MARSHALLER), token);
      ch = io.grpc.ClientInterceptors.intercept(channel, io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md));
    }
    this.kv = KVGrpc.newBlockingStub(ch);
    this.lease = LeaseGrpc.newBlockingStub(ch);
  }

  /** A rendered outcome, and the store revision its header reported (0 for an error). */
  record Outcome(String text, long revision, boolean ok) {}

  Outcome call(Message request) {
    KVGrpc.KVBlockingStub stub = kv.withDeadlineAfter(20, TimeUnit.SECONDS);
    try {
      Message resp;
      if (request instanceof RangeRequest r) {
        resp = stub.range(r);
      } else if (request instanceof PutRequest r) {
        resp = stub.put(r);
      } else if (request instanceof DeleteRangeRequest r) {
        resp = stub.deleteRange(r);
      } else if (request instanceof TxnRequest r) {
        resp = stub.txn(r);
      } else if (request instanceof CompactionRequest r) {
        resp = stub.compact(r);
      } else if (request instanceof LeaseGrantRequest r) {
        resp = lease.withDeadlineAfter(20, TimeUnit.SECONDS).leaseGrant(r);
      } else if (request instanceof LeaseRevokeRequest r) {
        resp = lease.withDeadlineAfter(20, TimeUnit.SECONDS).leaseRevoke(r);
      } else if (request instanceof LeaseTimeToLiveRequest r) {
        resp = comparable(lease.withDeadlineAfter(20, TimeUnit.SECONDS).leaseTimeToLive(r));
      } else if (request instanceof LeaseLeasesRequest r) {
        resp = comparable(lease.withDeadlineAfter(20, TimeUnit.SECONDS).leaseLeases(r));
      } else {
        throw new IllegalArgumentException("not a KV or Lease request: " + request.getClass());
      }
      Message n = normalize(resp);
      Descriptors.FieldDescriptor hf = n.getDescriptorForType().findFieldByName("header");
      long rev = ((ResponseHeader) n.getField(hf)).getRevision();
      return new Outcome(TextFormat.printer().printToString(n), rev, true);
    } catch (StatusRuntimeException e) {
      return new Outcome("ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription(), 0, false);
    }
  }

  /** A live lease's countdown cleared (-1, "no such lease", stays) and its keys sorted. */
  static LeaseTimeToLiveResponse comparable(LeaseTimeToLiveResponse r) {
    List<com.google.protobuf.ByteString> keys = new ArrayList<>(r.getKeysList());
    keys.sort(com.google.protobuf.ByteString.unsignedLexicographicalComparator());
    LeaseTimeToLiveResponse.Builder b = r.toBuilder().clearKeys().addAllKeys(keys);
    if (r.getGrantedTTL() > 0) {
      b.clearTTL(); // a lease that exists: its countdown depends on timing; -1 (none) stays
    }
    return b.build();
  }

  /** The lease list sorted by ID. */
  static LeaseLeasesResponse comparable(LeaseLeasesResponse r) {
    List<LeaseStatus> leases = new ArrayList<>(r.getLeasesList());
    leases.sort(Comparator.comparingLong(LeaseStatus::getID));
    return r.toBuilder().clearLeases().addAllLeases(leases).build();
  }

  /**
   * Sends one keepalive per ID on one LeaseKeepAlive stream and returns the rendered responses (one
   * per ID, in order), or the stream's error after them.
   */
  List<String> keepAlive(long... ids) throws InterruptedException {
    java.util.concurrent.LinkedBlockingQueue<String> got = new java.util.concurrent.LinkedBlockingQueue<>();
    io.grpc.stub.StreamObserver<io.ketch.api.etcdserverpb.LeaseKeepAliveRequest> requests =
        LeaseGrpc.newStub(channel).leaseKeepAlive(new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(io.ketch.api.etcdserverpb.LeaseKeepAliveResponse r) {
            got.add(TextFormat.shortDebugString(normalize(r)));
          }

          @Override
          public void onError(Throwable t) {
            got.add("ERROR " + io.grpc.Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {}
        });
    List<String> out = new ArrayList<>();
    for (long id : ids) {
      requests.onNext(io.ketch.api.etcdserverpb.LeaseKeepAliveRequest.newBuilder().setID(id).build());
      String r = got.poll(10, TimeUnit.SECONDS);
      out.add(r == null ? "no answer in 10 s" : r);
    }
    requests.onCompleted();
    return out;
  }

  /** The response with the header's identity fields cleared. */
  static Message normalize(Message m) {
    Descriptors.FieldDescriptor hf = m.getDescriptorForType().findFieldByName("header");
    if (hf == null || !m.hasField(hf)) {
      return m;
    }
    ResponseHeader h = (ResponseHeader) m.getField(hf);
    return m.toBuilder().setField(hf, h.toBuilder().clearClusterId().clearMemberId().clearRaftTerm().build()).build();
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
