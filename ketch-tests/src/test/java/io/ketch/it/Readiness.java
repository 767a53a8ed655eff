package io.ketch.it;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.RangeRequest;
import java.util.concurrent.TimeUnit;

/** Waits until a server answers a linearizable read. */
public final class Readiness {
  private Readiness() {}

  public static void await(Endpoint e, long timeoutMillis, Process process) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    ManagedChannel ch = e.channel();
    try {
      while (System.currentTimeMillis() < deadline) {
        if (process != null && !process.isAlive()) {
          throw new IllegalStateException(e.name() + " exited with " + process.exitValue() + " before it was ready");
        }
        try {
          KVGrpc.newBlockingStub(ch).withDeadlineAfter(1, TimeUnit.SECONDS)
              .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("ready?")).build());
          return;
        } catch (RuntimeException notYet) {
          sleep(100);
        }
      }
      throw new IllegalStateException(e.name() + " at " + e.address() + " not ready after " + timeoutMillis + " ms");
    } finally {
      ch.shutdownNow();
    }
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(ie);
    }
  }
}
