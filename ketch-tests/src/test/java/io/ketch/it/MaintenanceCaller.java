package io.ketch.it;

import com.google.protobuf.TextFormat;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.HashKVRequest;
import io.ketch.api.etcdserverpb.HashKVResponse;
import io.ketch.api.etcdserverpb.HashRequest;
import io.ketch.api.etcdserverpb.HashResponse;
import io.ketch.api.etcdserverpb.MaintenanceGrpc;
import java.util.concurrent.TimeUnit;

/**
 * Sends HashKV and Hash to one server and renders the outcome comparably, as {@link KvCaller} does:
 * the response as text with the header's cluster_id, member_id and raft_term cleared, or the
 * error's gRPC code and description.
 */
final class MaintenanceCaller implements AutoCloseable {
  private final ManagedChannel channel;
  private final MaintenanceGrpc.MaintenanceBlockingStub stub;

  MaintenanceCaller(Endpoint e) {
    this.channel = e.channel();
    this.stub = MaintenanceGrpc.newBlockingStub(channel);
  }

  /** A rendered HashKV outcome; {@code response} is null for an error. */
  record HashKv(String text, HashKVResponse response) {
    boolean ok() {
      return response != null;
    }
  }

  HashKv hashKv(long revision) {
    try {
      HashKVResponse r = stub.withDeadlineAfter(20, TimeUnit.SECONDS)
          .hashKV(HashKVRequest.newBuilder().setRevision(revision).build());
      HashKVResponse n = (HashKVResponse) KvCaller.normalize(r);
      return new HashKv(TextFormat.printer().printToString(n), n);
    } catch (StatusRuntimeException e) {
      return new HashKv("ERROR " + e.getStatus().getCode() + ": " + e.getStatus().getDescription(), null);
    }
  }

  HashResponse hash() {
    return stub.withDeadlineAfter(20, TimeUnit.SECONDS).hash(HashRequest.getDefaultInstance());
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
