package io.ketch.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops a member whose data directory is gone or cannot be written any more, rather than let it
 * answer from what it holds in memory and open files: a deleted directory goes unnoticed by the
 * files already open in it until the next new file (a log segment, a table), and a full or failing
 * disk only shows on the next write. Every interval it checks that the member's directories exist
 * and that a probe file can be written and fsynced there; on the first failure it logs why and
 * calls {@code onLost} once.
 */
public final class DataDirGuard implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataDirGuard.class);
  private static final String PROBE = ".ketch-probe";
  private static final long RECHECK_MILLIS = 200;

  private final Path dataDir;
  private final List<Path> required;
  private final Consumer<String> onLost;
  private final AtomicBoolean lost = new AtomicBoolean();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-data-dir-guard");
    t.setDaemon(true);
    return t;
  });

  /**
   * @param required directories that must exist; the probe is written in the first
   * @param onLost told why the directory became unusable (once)
   */
  public DataDirGuard(Path dataDir, List<Path> required, Consumer<String> onLost) {
    this.dataDir = dataDir;
    this.required = List.copyOf(required);
    this.onLost = onLost;
  }

  public void start(Duration every) {
    timer.scheduleWithFixedDelay(this::check, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One check; returns why the directory is unusable, or null. A problem must still be there a
   * moment later: the backend's database directory is briefly absent while a Raft snapshot is
   * swapped in (two renames).
   */
  String check() {
    String problem = problem();
    if (problem != null) {
      try {
        Thread.sleep(RECHECK_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null; // closing
      }
      problem = problem();
    }
    if (problem != null && lost.compareAndSet(false, true)) {
      LOG.error("event=data-dir-unusable data_dir={} error=\"{}\": stopping this member rather than serve from memory",
          dataDir, problem);
      onLost.accept(problem);
    }
    return problem;
  }

  private String problem() {
    for (Path p : required) {
      if (!Files.isDirectory(p)) {
        return p + " does not exist any more";
      }
    }
    Path probe = required.get(0).resolve(PROBE);
    try (FileChannel c = FileChannel.open(probe, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      c.write(ByteBuffer.wrap(new byte[] {1}));
      c.force(true);
    } catch (IOException e) {
      return "cannot write " + probe + ": " + e;
    } finally {
      try {
        Files.deleteIfExists(probe);
      } catch (IOException e) {
        // the write's failure, if any, is the news
      }
    }
    return null;
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
