package io.ketch.server.mvcc;

/**
 * What {@link KvStore#hashByRev} computed, as etcd's HashByRev answers it.
 *
 * @param hash the CRC-32C of the key bucket's history up to {@code hashRevision}
 * @param compactRevision the store's compaction revision when hashed (-1 if never compacted)
 * @param hashRevision the revision hashed up to (the asked one, or the current one for 0)
 * @param currentRevision the store's published revision when hashed (the response header's)
 */
public record KvHash(int hash, long compactRevision, long hashRevision, long currentRevision) {}
