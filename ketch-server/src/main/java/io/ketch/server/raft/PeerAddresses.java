package io.ketch.server.raft;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;
import org.apache.ratis.thirdparty.io.grpc.Attributes;
import org.apache.ratis.thirdparty.io.grpc.EquivalentAddressGroup;
import org.apache.ratis.thirdparty.io.grpc.NameResolver;
import org.apache.ratis.thirdparty.io.grpc.NameResolverProvider;
import org.apache.ratis.thirdparty.io.grpc.NameResolverRegistry;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Where Ratis reaches a member: not a fixed host:port in Ratis's configuration (Ratis 3.3 keeps the
 * first address it saw for a peer for good, so etcd's MemberUpdate could never take effect), but
 * the target {@code ketch-peer://<cluster>/<member>}, which this gRPC name resolver turns into the
 * member's current peer URL from the member table. A member restarted at new peer URLs after
 * MemberUpdate is found there as soon as a connection to the old address fails (gRPC then resolves
 * again).
 *
 * <p>gRPC's resolver registry is one per JVM, so the address books are kept by cluster here: every
 * member running in this JVM registers its own (members of one cluster hold the same table) and
 * removes it when it closes. Thread-safe.
 */
final class PeerAddresses extends NameResolverProvider {
  static final String SCHEME = "ketch-peer";
  private static final Map<Long, List<LongFunction<String>>> BOOKS = new ConcurrentHashMap<>();

  static {
    NameResolverRegistry.getDefaultRegistry().register(new PeerAddresses());
  }

  private PeerAddresses() {}

  /** The target Ratis dials for member {@code memberId} of cluster {@code clusterId}. */
  static String target(long clusterId, long memberId) {
    return SCHEME + "://" + Long.toHexString(clusterId) + "/" + Long.toHexString(memberId);
  }

  /**
   * Adds an address book for {@code clusterId}: member ID to {@code host:port}, or null when it does
   * not know the member. Returns what removes it again.
   */
  static Runnable register(long clusterId, LongFunction<String> book) {
    List<LongFunction<String>> books = BOOKS.computeIfAbsent(clusterId, c -> new CopyOnWriteArrayList<>());
    books.add(book);
    return () -> books.remove(book);
  }

  /** The current host:port of a member, or null. */
  static String lookUp(long clusterId, long memberId) {
    for (LongFunction<String> book : BOOKS.getOrDefault(clusterId, List.of())) {
      String a = book.apply(memberId);
      if (a != null) {
        return a;
      }
    }
    return null;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme()) || target.getAuthority() == null || target.getPath() == null) {
      return null;
    }
    long cluster = Long.parseUnsignedLong(target.getAuthority(), 16);
    long member = Long.parseUnsignedLong(target.getPath().substring(1), 16);
    return new Resolver(cluster, member, args.getOffloadExecutor());
  }

  /** Resolves one member's target, again whenever gRPC asks (after a failed connection). */
  private static final class Resolver extends NameResolver {
    private final long cluster;
    private final long member;
    /** Where host names are looked up (blocking), off gRPC's own threads; null: inline. */
    private final java.util.concurrent.Executor offload;
    private volatile Listener2 listener;

    Resolver(long cluster, long member, java.util.concurrent.Executor offload) {
      this.cluster = cluster;
      this.member = member;
      this.offload = offload;
    }

    @Override
    public String getServiceAuthority() {
      return "m" + Long.toHexString(member) + ".ketch";
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      if (offload != null) {
        offload.execute(this::resolveNow);
      } else {
        resolveNow();
      }
    }

    private void resolveNow() {
      String address = lookUp(cluster, member);
      if (address == null) {
        listener.onError(Status.UNAVAILABLE.withDescription("ketch: no peer URL known for member "
            + Long.toHexString(member)));
        return;
      }
      int colon = address.lastIndexOf(':');
      InetSocketAddress a = new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)));
      if (a.isUnresolved()) {
        listener.onError(Status.UNAVAILABLE.withDescription("ketch: cannot resolve " + address));
        return;
      }
      listener.onResult(ResolutionResult.newBuilder()
          .setAddresses(List.of(new EquivalentAddressGroup(a)))
          .setAttributes(Attributes.EMPTY)
          .build());
    }

    @Override
    public void shutdown() {
      // nothing held
    }
  }
}
