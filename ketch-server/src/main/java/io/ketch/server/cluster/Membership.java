package io.ketch.server.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ketch.api.EtcdError;
import io.ketch.server.apply.EtcdException;
import io.ketch.server.cluster.proto.MemberChange;
import io.ketch.server.cluster.proto.MemberRecord;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member table (etcd's {@code members} and {@code members_removed} buckets): replicated state,
 * changed only by applying {@link MemberChange}s in log order, so every member holds the same table.
 * Ratis's own configuration follows it (see {@code MembershipReconciler}); the table is what clients
 * see in MemberList.
 *
 * <p>Apply-time checks are the deterministic ones (etcd's ValidateConfigurationChange: unknown or
 * removed IDs, duplicate peer URLs, promoting a voter, the learner limit); checks that depend on one
 * member's view of the others (strict reconfiguration, a learner in sync) run before proposing.
 *
 * <p>Thread-safe: changes run on the apply thread; readers take copies under this object's monitor.
 * Listeners run on the apply thread after each change and must not block.
 */
public final class Membership {
  private static final Logger LOG = LoggerFactory.getLogger(Membership.class);
  private static final byte[] REMOVED = "removed".getBytes(StandardCharsets.UTF_8);

  /** Told after every applied change. */
  public interface Listener {
    void changed(Membership membership);
  }

  /** What an applied change answers: the member added (for MemberAdd) and the table after it. */
  public record Result(MemberRecord member, List<MemberRecord> members) {}

  private final int maxLearners;
  // @GuardedBy("this")
  private final Map<Long, MemberRecord> members = new TreeMap<>(Long::compareUnsigned);
  // @GuardedBy("this")
  private final Set<Long> removed = new HashSet<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  private Membership(int maxLearners) {
    this.maxLearners = maxLearners;
  }

  /** Loads the table from the backend. */
  public static Membership load(Backend backend, int maxLearners) {
    Membership m = new Membership(maxLearners);
    m.read(backend);
    return m;
  }

  /** Reads the table again from {@code backend}, whose content a Raft snapshot replaced, and tells the listeners. */
  public void reload(Backend backend) {
    synchronized (this) {
      members.clear();
      removed.clear();
      read(backend);
    }
    for (Listener l : listeners) {
      l.changed(this);
    }
  }

  private synchronized void read(Backend backend) {
    backend.scan(Schema.MEMBERS, null, null, (k, v) -> {
      MemberRecord r = parse(v);
      members.put(r.getId(), r);
      return true;
    });
    backend.scan(Schema.MEMBERS_REMOVED, null, null, (k, v) -> {
      removed.add(Long.parseUnsignedLong(new String(k, StandardCharsets.UTF_8), 16));
      return true;
    });
  }

  public void addListener(Listener l) {
    listeners.add(l);
  }

  /** Every member, in ID order (as etcd lists them). */
  public synchronized List<MemberRecord> members() {
    return List.copyOf(members.values());
  }

  /** The member with {@code id}, or null. */
  public synchronized MemberRecord member(long id) {
    return members.get(id);
  }

  /** Whether {@code id} was removed from the cluster (it may never come back). */
  public synchronized boolean isRemoved(long id) {
    return removed.contains(id);
  }

  /** Whether the table has been filled (a new cluster's first leader proposes it). */
  public synchronized boolean isEmpty() {
    return members.isEmpty();
  }

  /**
   * Applies one change to the table, writing it to {@code writes}. Apply thread only.
   *
   * @throws EtcdException the change is refused (nothing written)
   */
  public Result apply(Backend.Batch writes, MemberChange c) {
    Result r;
    synchronized (this) {
      long target = switch (c.getChangeCase()) {
        case ADD -> c.getAdd().getId();
        case REMOVE -> c.getRemove();
        case UPDATE -> c.getUpdate().getId();
        case PROMOTE -> c.getPromote();
        default -> 0;
      };
      if (target != 0 && removed.contains(target)) {
        throw new EtcdException(EtcdError.MEMBER_NOT_FOUND); // etcd's ErrIDRemoved answers so
      }
      r = switch (c.getChangeCase()) {
        case BOOTSTRAP -> bootstrap(writes, c.getBootstrap());
        case ADD -> add(writes, c.getAdd());
        case REMOVE -> remove(writes, c.getRemove());
        case UPDATE -> update(writes, c.getUpdate());
        case PROMOTE -> promote(writes, c.getPromote());
        case PUBLISH -> publish(writes, c.getPublish());
        case CHANGE_NOT_SET -> throw new IllegalStateException("empty member change in log entry");
      };
    }
    for (Listener l : listeners) {
      l.changed(this);
    }
    return r;
  }

  // @GuardedBy("this")
  private Result bootstrap(Backend.Batch writes, MemberChange.Bootstrap b) {
    if (members.isEmpty()) {
      for (MemberRecord m : b.getMembersList()) {
        put(writes, m);
      }
      LOG.info("event=members-bootstrapped members={}", describe(b.getMembersList()));
    }
    return new Result(null, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private Result add(Backend.Batch writes, MemberRecord m) {
    if (members.containsKey(m.getId())) {
      throw new EtcdException(EtcdError.MEMBER_EXIST);
    }
    checkUrlsFree(m.getId(), m.getPeerUrlsList());
    if (m.getIsLearner() && learners() >= maxLearners) {
      throw new EtcdException(EtcdError.TOO_MANY_LEARNERS);
    }
    put(writes, m);
    LOG.info("event=member-added member={} peer_urls={} learner={}", MemberIds.hex(m.getId()), m.getPeerUrlsList(),
        m.getIsLearner());
    return new Result(m, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private Result remove(Backend.Batch writes, long id) {
    if (!members.containsKey(id)) {
      throw new EtcdException(EtcdError.MEMBER_NOT_FOUND);
    }
    members.remove(id);
    removed.add(id);
    writes.delete(Schema.MEMBERS, key(id));
    writes.put(Schema.MEMBERS_REMOVED, key(id), REMOVED);
    LOG.info("event=member-removed member={}", MemberIds.hex(id));
    return new Result(null, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private Result update(Backend.Batch writes, MemberChange.PeerUrls u) {
    MemberRecord m = members.get(u.getId());
    if (m == null) {
      throw new EtcdException(EtcdError.MEMBER_NOT_FOUND);
    }
    checkUrlsFree(u.getId(), u.getPeerUrlsList());
    put(writes, m.toBuilder().clearPeerUrls().addAllPeerUrls(u.getPeerUrlsList()).build());
    LOG.info("event=member-updated member={} peer_urls={}", MemberIds.hex(u.getId()), u.getPeerUrlsList());
    return new Result(null, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private Result promote(Backend.Batch writes, long id) {
    MemberRecord m = members.get(id);
    if (m == null) {
      throw new EtcdException(EtcdError.MEMBER_NOT_FOUND);
    }
    if (!m.getIsLearner()) {
      throw new EtcdException(EtcdError.MEMBER_NOT_LEARNER);
    }
    put(writes, m.toBuilder().setIsLearner(false).build());
    LOG.info("event=member-promoted member={}", MemberIds.hex(id));
    return new Result(null, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private Result publish(Backend.Batch writes, MemberRecord attrs) {
    MemberRecord m = members.get(attrs.getId());
    if (m != null) {
      put(writes, m.toBuilder().setName(attrs.getName())
          .clearClientUrls().addAllClientUrls(attrs.getClientUrlsList()).build());
    }
    return new Result(null, List.copyOf(members.values()));
  }

  // @GuardedBy("this")
  private void checkUrlsFree(long id, List<String> urls) {
    for (MemberRecord other : members.values()) {
      if (other.getId() == id) {
        continue;
      }
      for (String u : urls) {
        if (other.getPeerUrlsList().contains(u)) {
          throw new EtcdException(EtcdError.PEER_URL_EXIST);
        }
      }
    }
  }

  // @GuardedBy("this")
  private int learners() {
    int n = 0;
    for (MemberRecord m : members.values()) {
      if (m.getIsLearner()) {
        n++;
      }
    }
    return n;
  }

  // @GuardedBy("this")
  private void put(Backend.Batch writes, MemberRecord m) {
    members.put(m.getId(), m);
    writes.put(Schema.MEMBERS, key(m.getId()), m.toByteArray());
  }

  /** etcd's bucket key: the member ID in hex. */
  /** What {@link #keepOnly} left: this member's record, and the members it recorded as removed. */
  public record Kept(MemberRecord self, List<Long> removed) {}

  /**
   * etcd's {@code --force-new-cluster} on the stored table: every member but {@code self} is recorded
   * as removed (so none can come back with its old data), and {@code self} stays as a voter, with
   * {@code fallback}'s URLs if the table did not know it.
   */
  public static Kept keepOnly(Backend backend, Backend.Batch writes, long self, MemberRecord fallback) {
    List<Long> others = new ArrayList<>();
    MemberRecord[] mine = {null};
    backend.scan(Schema.MEMBERS, null, null, (k, v) -> {
      MemberRecord r = parse(v);
      if (r.getId() == self) {
        mine[0] = r;
      } else {
        others.add(r.getId());
      }
      return true;
    });
    for (long id : others) {
      writes.delete(Schema.MEMBERS, key(id));
      writes.put(Schema.MEMBERS_REMOVED, key(id), REMOVED);
    }
    MemberRecord kept = (mine[0] != null ? mine[0] : fallback).toBuilder().setIsLearner(false).build();
    writes.put(Schema.MEMBERS, key(self), kept.toByteArray());
    return new Kept(kept, others);
  }

  private static byte[] key(long id) {
    return MemberIds.hex(id).getBytes(StandardCharsets.UTF_8);
  }

  private static MemberRecord parse(byte[] v) {
    try {
      return MemberRecord.parseFrom(v);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt value in members bucket: " + e.getMessage(), e);
    }
  }

  private static List<String> describe(List<MemberRecord> ms) {
    List<String> out = new ArrayList<>();
    for (MemberRecord m : ms) {
      out.add(m.getName() + "=" + MemberIds.hex(m.getId()));
    }
    return out;
  }
}
