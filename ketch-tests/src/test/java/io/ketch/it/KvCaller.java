package io.ketch.it;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.CompactionRequest;
import io.ketch.api.etcdserverpb.DeleteRangeRequest;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.ResponseHeader;
import io.ketch.api.etcdserverpb.TxnRequest;
import java.util.concurrent.TimeUnit;

/**
 * Sends one KV request to a server and renders the outcome comparably: the response as text with
 * the header's cluster_id, member_id and raft_term cleared (they legitimately differ between
 * servers), or the error's gRPC code and description.
 */
final class KvCaller implements AutoCloseable {
  private final ManagedChannel channel;
  private final KVGrpc.KVBlockingStub kv;

  KvCaller(Endpoint e) {
    this.channel = e.channel();
    this.kv = KVGrpc.newBlockingStub(channel);
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
      } else {
        throw new IllegalArgumentException("not a KV request: " + request.getClass());
      }
      Message n = normalize(resp);
      Descriptors.FieldDescriptor hf = n.getDescriptorForType().findFieldByName("header");
      long rev = ((ResponseHeader) n.getField(hf)).getRevision();
      return new Outcome(TextFormat.printer().printToString(n), rev, true);
    } catch (StatusRuntimeException e) {
      return new Outcome("ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription(), 0, false);
    }
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
