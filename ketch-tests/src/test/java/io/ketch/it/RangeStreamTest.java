package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ketch.api.etcdserverpb.KVGrpc;
import io.ketch.api.etcdserverpb.PutRequest;
import io.ketch.api.etcdserverpb.RangeRequest;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.RangeStreamResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.7's RangeStream (issue: snapshots, item 8): a large range arrives in several chunks whose
 * merge is the Range response (kvs in order, header, more and count in the last chunk only, at the
 * revision the stream began); count-only answers once; other sort orders and revision filters are
 * refused with etcd's code and text.
 */
class RangeStreamTest {
  private static final int KEYS = 6000;

  @Test
  void aLargeRangeStreamsInChunksThatMergeIntoTheRangeResponse() throws Exception {
    try (KetchNode ketch = new KetchNode()) {
      ManagedChannel ch = ketch.channel();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(120, TimeUnit.SECONDS);
        ByteString value = ByteString.copyFromUtf8("v".repeat(1000));
        for (int i = 0; i < KEYS; i++) {
          kv.put(PutRequest.newBuilder().setKey(key(i)).setValue(value).build());
        }
        RangeRequest all = RangeRequest.newBuilder().setKey(key(0)).setRangeEnd(ByteString.copyFromUtf8("s0")).build();
        RangeResponse whole = kv.range(all);
        assertEquals(KEYS, whole.getCount());

        List<RangeStreamResponse> chunks = stream(kv, all);
        assertTrue(chunks.size() > 3, "chunks: " + chunks.size()); // ~6 MB against a 1.5 MB target
        RangeResponse merged = merge(chunks);
        assertEquals(whole.getKvsList(), merged.getKvsList());
        assertEquals(whole.getHeader(), merged.getHeader());
        assertEquals(KEYS, merged.getCount());
        assertFalse(merged.getMore());
        for (int i = 0; i < chunks.size() - 1; i++) {
          assertFalse(chunks.get(i).getRangeResponse().hasHeader(), "only the last chunk has the header");
        }

        RangeRequest limited = all.toBuilder().setLimit(2500).build();
        RangeResponse mergedLimited = merge(stream(kv, limited));
        assertEquals(kv.range(limited).getKvsList(), mergedLimited.getKvsList());
        assertEquals(KEYS, mergedLimited.getCount(), "count includes the keys past the limit, as Range's");
        assertTrue(mergedLimited.getMore());

        List<RangeStreamResponse> counted = stream(kv, all.toBuilder().setCountOnly(true).build());
        assertEquals(1, counted.size());
        assertEquals(KEYS, counted.get(0).getRangeResponse().getCount());

        StatusRuntimeException sorted = assertThrows(StatusRuntimeException.class, () -> stream(kv,
            all.toBuilder().setSortOrder(RangeRequest.SortOrder.DESCEND).build()));
        assertEquals(Status.Code.UNIMPLEMENTED, sorted.getStatus().getCode());
        assertEquals("RangeStream does not support custom sort orders", sorted.getStatus().getDescription());
        StatusRuntimeException filtered = assertThrows(StatusRuntimeException.class, () -> stream(kv,
            all.toBuilder().setMinModRevision(5).build()));
        assertEquals("RangeStream does not support revision filters", filtered.getStatus().getDescription());
        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> stream(kv,
            RangeRequest.getDefaultInstance()));
        assertEquals("etcdserver: key is not provided", empty.getStatus().getDescription());
      } finally {
        ch.shutdownNow();
      }
    }
  }

  private static List<RangeStreamResponse> stream(KVGrpc.KVBlockingStub kv, RangeRequest r) {
    List<RangeStreamResponse> out = new ArrayList<>();
    Iterator<RangeStreamResponse> it = kv.rangeStream(r);
    while (it.hasNext()) {
      out.add(it.next());
    }
    return out;
  }

  /** proto merge of every chunk, as the RPC's comment defines the result. */
  private static RangeResponse merge(List<RangeStreamResponse> chunks) {
    RangeResponse.Builder b = RangeResponse.newBuilder();
    for (RangeStreamResponse c : chunks) {
      b.mergeFrom(c.getRangeResponse());
    }
    return b.build();
  }

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8(String.format("r%05d", i));
  }
}
