package io.ketch.server.lease;

import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.Set;

/**
 * One lease: its replicated part (ID, granted TTL, checkpointed remaining TTL, attached keys) and,
 * on the primary lessor only, when it expires. Guarded by its {@link Lessor}'s monitor.
 */
final class Lease {
  static final long NEVER = Long.MAX_VALUE;

  final long id;
  /** Granted TTL in seconds, raised to the minimum. */
  final long ttl;
  /** Remaining seconds from the last applied checkpoint; 0 when none (the full TTL applies). */
  long remainingTtl;
  final Set<ByteString> keys = new HashSet<>();

  /** Clock nanos at which it expires; {@link #NEVER} while this member is not the primary. */
  long deadline = NEVER;
  /** Clock nanos its revoke was last proposed at, or -1. */
  long revokeProposedAt = -1;
  /** Clock nanos of its next checkpoint, or {@link #NEVER}. */
  long nextCheckpoint = NEVER;

  Lease(long id, long ttl, long remainingTtl) {
    this.id = id;
    this.ttl = ttl;
    this.remainingTtl = remainingTtl;
  }

  /** The TTL a fresh primary counts down from: the checkpointed remainder if there is one. */
  long startingTtl() {
    return remainingTtl > 0 ? remainingTtl : ttl;
  }
}
