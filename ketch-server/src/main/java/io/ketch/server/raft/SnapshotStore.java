package io.ketch.server.raft;

import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Directories;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;

/**
 * The member's Raft snapshots, in the state machine directory of the Ratis storage: {@code
 * sm/snapshots/<term>_<index>/}, each a RocksDB checkpoint of the backend whose consistent index is
 * {@code index} (table files hard-linked to the live database's, so a snapshot costs no copy).
 *
 * <p>A snapshot is taken into {@code .creating-<term>_<index>} and renamed when complete, so a
 * directory with the plain name is always whole. A follower behind the leader's log fetches the
 * leader's newest one into {@code sm/incoming/} ({@link SnapshotFetcher}; what arrived survives a
 * broken transfer and a restart) and {@linkplain #install installs} it here once every file is whole
 * and checked; the state machine then loads it into the live database. The newest two are kept, and
 * any a follower fetched from in the last minute (a transfer outlasts many snapshots under load).
 */
final class SnapshotStore implements StateMachineStorage {
  private static final Pattern NAME = Pattern.compile("(\\d+)_(\\d+)");
  private static final String CREATING = ".creating-";
  private static final int KEEP = 2;
  /** A snapshot a follower fetched from within this long is kept even when two newer ones exist. */
  private static final long SERVING_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);

  private volatile Path snapshots;
  private volatile Path tmp;
  private volatile Path incoming;
  private volatile FileListSnapshotInfo latest;
  /** When each snapshot was last served to a follower (nanoTime). */
  private final java.util.Map<TermIndex, Long> servedAt = new java.util.concurrent.ConcurrentHashMap<>();

  @Override
  public void init(RaftStorage storage) throws IOException {
    Path sm = storage.getStorageDir().getStateMachineDir().toPath();
    snapshots = sm.resolve("snapshots");
    tmp = sm.resolve("tmp");
    incoming = sm.resolve("incoming");
    Files.createDirectories(snapshots);
    Files.createDirectories(tmp);
    Files.createDirectories(incoming);
    for (Path p : list()) {
      if (p.getFileName().toString().startsWith(CREATING)) {
        Directories.deleteTree(p); // a snapshot a crash interrupted
      }
    }
    reload();
  }

  @Override
  public FileListSnapshotInfo getLatestSnapshot() {
    return latest;
  }

  /** Reads the directory again (Ratis replaced it with a snapshot from the leader); returns the newest. */
  FileListSnapshotInfo reload() throws IOException {
    List<TermIndex> found = complete();
    latest = found.isEmpty() ? null : info(found.get(found.size() - 1));
    return latest;
  }

  /** The directory of snapshot {@code at}. */
  Path dir(TermIndex at) {
    return snapshots.resolve(at.getTerm() + "_" + at.getIndex());
  }

  /** Checkpoints {@code backend}, whose consistent index is {@code at}, as the newest snapshot. */
  FileListSnapshotInfo take(Backend backend, TermIndex at) throws IOException {
    Path creating = snapshots.resolve(CREATING + at.getTerm() + "_" + at.getIndex());
    Directories.deleteTree(creating);
    backend.checkpoint(creating);
    Directories.fsync(creating);
    Files.move(creating, dir(at), StandardCopyOption.ATOMIC_MOVE);
    Directories.fsync(snapshots);
    latest = info(at);
    return latest;
  }

  /** Where a snapshot fetched from the leader is assembled, one directory per leader. */
  Path incoming() {
    return incoming;
  }

  /**
   * Makes the whole, checked snapshot assembled in {@code fetched} (a directory beside the snapshots,
   * which this moves) the newest snapshot, at {@code at}.
   */
  FileListSnapshotInfo install(Path fetched, TermIndex at) throws IOException {
    Path creating = snapshots.resolve(CREATING + at.getTerm() + "_" + at.getIndex());
    Directories.deleteTree(creating);
    Directories.fsync(fetched);
    Files.move(fetched, creating, StandardCopyOption.ATOMIC_MOVE);
    Files.move(creating, dir(at), StandardCopyOption.ATOMIC_MOVE);
    Directories.fsync(snapshots);
    Directories.fsync(fetched.getParent());
    latest = info(at);
    return latest;
  }

  /** The files of snapshot {@code at}, by name. */
  List<Path> files(TermIndex at) throws IOException {
    try (Stream<Path> s = Files.list(dir(at))) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @Override
  public void format() {
    // a new member has no snapshots; init created the directories
  }

  /** Keeps snapshot {@code at} while a follower fetches it (under load, newer ones come quickly). */
  void serving(TermIndex at) {
    servedAt.put(at, System.nanoTime());
  }

  @Override
  public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
    List<TermIndex> found = complete();
    long now = System.nanoTime();
    servedAt.values().removeIf(t -> now - t > SERVING_NANOS);
    for (int i = 0; i < found.size() - KEEP; i++) {
      if (!servedAt.containsKey(found.get(i))) {
        Directories.deleteTree(dir(found.get(i)));
      }
    }
  }

  @Override
  public File getSnapshotDir() {
    return snapshots.toFile();
  }

  @Override
  public File getTmpDir() {
    return tmp.toFile();
  }

  /** The complete snapshots, oldest first. */
  private List<TermIndex> complete() throws IOException {
    List<TermIndex> found = new ArrayList<>();
    for (Path p : list()) {
      Matcher m = NAME.matcher(p.getFileName().toString());
      if (Files.isDirectory(p) && m.matches()) {
        found.add(TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
      }
    }
    found.sort(Comparator.comparingLong(TermIndex::getIndex));
    return found;
  }

  private List<Path> list() throws IOException {
    try (Stream<Path> s = Files.list(snapshots)) {
      return s.toList();
    }
  }

  /** The snapshot's files, as Ratis's snapshot information. */
  private FileListSnapshotInfo info(TermIndex at) throws IOException {
    List<FileInfo> files = new ArrayList<>();
    for (Path f : files(at)) {
      files.add(new FileInfo(f.toAbsolutePath(), null));
    }
    return new FileListSnapshotInfo(files, at);
  }
}
