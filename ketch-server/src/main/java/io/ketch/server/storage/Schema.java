package io.ketch.server.storage;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The backend layout, as etcd lays out its bbolt buckets: one RocksDB column family per bucket.
 *
 * <ul>
 *   <li>{@code key}: revision bytes ({@code main BE8 '_' sub BE8}, plus {@code 't'} for a tombstone)
 *       to a serialized {@code mvccpb.KeyValue}.
 *   <li>{@code meta}: consistent index and term of the last applied Raft entry, and the scheduled and
 *       finished compaction revisions.
 *   <li>{@code lease}, {@code auth}, {@code authUsers}, {@code authRoles}, {@code members},
 *       {@code members_removed}, {@code alarm}: the other replicated state, filled by later layers.
 * </ul>
 */
public final class Schema {
  public static final String KEY = "key";
  public static final String META = "meta";
  public static final String LEASE = "lease";
  public static final String AUTH = "auth";
  public static final String AUTH_USERS = "authUsers";
  public static final String AUTH_ROLES = "authRoles";
  public static final String MEMBERS = "members";
  public static final String MEMBERS_REMOVED = "members_removed";
  public static final String ALARM = "alarm";

  /** Every bucket, in the order the backend opens them. */
  public static final List<String> BUCKETS =
      List.of(KEY, META, LEASE, AUTH, AUTH_USERS, AUTH_ROLES, MEMBERS, MEMBERS_REMOVED, ALARM);

  /** meta: index of the last applied Raft entry (8 bytes BE), written with every state change. */
  public static final byte[] CONSISTENT_INDEX = bytes("consistent_index");
  /** meta: term of the last applied Raft entry (8 bytes BE). */
  public static final byte[] TERM = bytes("term");
  /** meta: the compaction revision that was scheduled (8 bytes BE). */
  public static final byte[] SCHEDULED_COMPACT_REV = bytes("scheduledCompactRev");
  /** meta: the compaction revision whose physical deletion finished (8 bytes BE). */
  public static final byte[] FINISHED_COMPACT_REV = bytes("finishedCompactRev");
  /** meta: prefix of the applied-batch window of each proposer (then its 8-byte ID). */
  public static final byte[] PROPOSER_PREFIX = bytes("proposer/");

  private Schema() {}

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
