package io.ketch.client.concurrency;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.RangeResponse;
import io.ketch.api.etcdserverpb.TxnResponse;
import io.ketch.client.Client;
import io.ketch.client.options.Cmp;
import io.ketch.client.options.DeleteOption;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.Op;
import io.ketch.client.options.PutOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Software transactional memory over etcd, as clientv3's {@code concurrency.NewSTM}: a function
 * reads and writes keys through a {@link Tx}; its writes are committed in one transaction that
 * only succeeds if what it read is still current (per the isolation level), and the function is
 * run again from scratch when it is not. The function may run several times, so it must have no
 * side effects besides its {@code Tx} calls.
 */
public final class Stm {
  private Stm() {}

  /** How much of what a function read must be unchanged for its writes to commit. */
  public enum Isolation {
    /** Every read at the first read's revision; commits if nothing read or written changed since. */
    SERIALIZABLE_SNAPSHOT,
    /** Every read at the first read's revision; commits if nothing read changed since. */
    SERIALIZABLE,
    /** Reads at the latest revision, each key read once; commits if nothing read changed since. */
    REPEATABLE_READS,
    /** Reads at the latest revision; commits unconditionally. */
    READ_COMMITTED
  }

  /** A function's view of the store during one attempt. */
  public interface Tx {
    /** The key's value as this transaction sees it (its own writes included); empty if absent. */
    ByteString get(ByteString key);

    /** The key's modification revision as read (0 if absent or written by this transaction). */
    long rev(ByteString key);

    /** Writes the key when the transaction commits. */
    void put(ByteString key, ByteString value);

    /** Deletes the key when the transaction commits. */
    void delete(ByteString key);
  }

  /**
   * Runs {@code apply} until its transaction commits and returns the commit's response. Blocks the
   * calling thread; errors from the server are thrown as {@link io.ketch.client.EtcdException}.
   */
  public static TxnResponse run(Client client, Isolation isolation, Consumer<Tx> apply) {
    while (true) {
      Attempt a = new Attempt(client, isolation);
      apply.accept(a);
      TxnResponse r = Futures.await(client.kv().txn().If(a.compares().toArray(new Cmp[0]))
          .then(a.writes().toArray(new Op[0])).commit());
      if (r.getSucceeded()) {
        return r;
      }
    }
  }

  /** One run of the function: what it read (and at which revision) and what it wrote. */
  private static final class Attempt implements Tx {
    private final Client client;
    private final Isolation isolation;
    private final Map<ByteString, RangeResponse> reads = new LinkedHashMap<>();
    private final Map<ByteString, ByteString> writes = new LinkedHashMap<>();
    private long snapshotRev;

    Attempt(Client client, Isolation isolation) {
      this.client = client;
      this.isolation = isolation;
    }

    @Override
    public ByteString get(ByteString key) {
      if (writes.containsKey(key)) {
        ByteString v = writes.get(key);
        return v == null ? ByteString.EMPTY : v;
      }
      RangeResponse r = read(key);
      return r.getKvsCount() == 0 ? ByteString.EMPTY : r.getKvs(0).getValue();
    }

    @Override
    public long rev(ByteString key) {
      if (writes.containsKey(key)) {
        return 0;
      }
      RangeResponse r = read(key);
      return r.getKvsCount() == 0 ? 0 : r.getKvs(0).getModRevision();
    }

    private RangeResponse read(ByteString key) {
      RangeResponse cached = reads.get(key);
      if (cached != null && isolation != Isolation.READ_COMMITTED) {
        return cached;
      }
      GetOption option = GetOption.DEFAULT;
      boolean snapshot = isolation == Isolation.SERIALIZABLE || isolation == Isolation.SERIALIZABLE_SNAPSHOT;
      if (snapshot && snapshotRev > 0) {
        option = GetOption.builder().withRevision(snapshotRev).withSerializable().build();
      }
      RangeResponse r = Futures.await(client.kv().get(key, option));
      if (snapshot && snapshotRev == 0) {
        snapshotRev = r.getHeader().getRevision();
      }
      reads.put(key, r);
      return r;
    }

    @Override
    public void put(ByteString key, ByteString value) {
      writes.put(key, value);
    }

    @Override
    public void delete(ByteString key) {
      writes.put(key, null);
    }

    List<Cmp> compares() {
      List<Cmp> out = new ArrayList<>();
      if (isolation == Isolation.READ_COMMITTED) {
        return out;
      }
      reads.forEach((k, r) -> out.add(Cmp.modRevision(k).equal(r.getKvsCount() == 0 ? 0 : r.getKvs(0).getModRevision())));
      if (isolation == Isolation.SERIALIZABLE_SNAPSHOT && snapshotRev > 0) {
        writes.keySet().forEach(k -> out.add(Cmp.modRevision(k).less(snapshotRev + 1)));
      }
      return out;
    }

    List<Op> writes() {
      List<Op> out = new ArrayList<>();
      writes.forEach((k, v) -> out.add(v == null ? Op.delete(k, DeleteOption.DEFAULT) : Op.put(k, v, PutOption.DEFAULT)));
      return out;
    }
  }
}
