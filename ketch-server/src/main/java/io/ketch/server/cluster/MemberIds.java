package io.ketch.server.cluster;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.List;

/**
 * Member and cluster IDs computed as etcd computes them for an initial cluster, so a Ketch member
 * started with etcd's flags reports the IDs etcd would (e.g. 8e9e05c52164694d / cdf818194e3a8c32
 * for the default single member).
 */
public final class MemberIds {
  private MemberIds() {}

  /** SHA-1 of the sorted, concatenated peer URLs followed by the cluster token; first 8 bytes. */
  public static long memberId(List<URI> peerUrls, String clusterToken) {
    String joined = peerUrls.stream().map(URI::toString).sorted().reduce("", String::concat);
    return sha1First8((joined + clusterToken).getBytes(StandardCharsets.UTF_8));
  }

  /** SHA-1 of the sorted member IDs (8 bytes big-endian each); first 8 bytes. */
  public static long clusterId(Collection<Long> memberIds) {
    List<Long> ids = memberIds.stream().sorted(Long::compareUnsigned).toList(); // uint64 order, as etcd
    ByteBuffer b = ByteBuffer.allocate(8 * ids.size());
    for (long id : ids) {
      b.putLong(id);
    }
    return sha1First8(b.array());
  }

  /** etcd's hex form of an ID (lower case, no padding). */
  public static String hex(long id) {
    return Long.toHexString(id);
  }

  /** The first 8 bytes of the SHA-1 of {@code in}, big-endian: how etcd makes every ID. */
  static long sha1First8(byte[] in) {
    try {
      return ByteBuffer.wrap(MessageDigest.getInstance("SHA-1").digest(in), 0, 8).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every JVM", e);
    }
  }
}
