package io.ketch.embed;

import io.ketch.server.KetchServer;
import io.ketch.server.config.ServerConfig;
import io.ketch.server.fault.FaultGate;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * One member of an {@link EmbeddedKetch}: a real Ketch server (RocksDB, a Raft log with fsync, real
 * sockets) running in this JVM, which a test can stop abruptly and start again.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class EmbeddedMember {
  private final int index;
  private final ServerConfig config;
  private final URI clientUrl;
  /** The faults this member's servers pass their traffic through (kept across restarts). */
  private final FaultGate faults = new FaultGate();
  private final EmbeddedKetch cluster;
  private KetchServer server;
  /** Its member ID once known (it stays the same across restarts). */
  private long id;
  private boolean closed;

  EmbeddedMember(EmbeddedKetch cluster, int index, ServerConfig config) {
    this.cluster = cluster;
    this.index = index;
    this.config = config;
    this.clientUrl = config.advertiseClientUrls().get(0);
  }

  /** Starts the server; returns once it serves clients. */
  synchronized void start() throws EmbeddedKetchException {
    if (server != null) {
      throw new IllegalStateException("member " + name() + " is running");
    }
    try {
      server = KetchServer.start(config, faults);
      id = server.memberId();
    } catch (IOException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        // NIO says BindException; Netty's epoll transport a native error with the OS's text
        if (t instanceof java.net.BindException
            || (t.getMessage() != null && t.getMessage().contains("Address already in use"))) {
          throw new EmbeddedKetchException("member " + name() + ": a port is in use (client " + clientUrl
              + ", peer " + config.listenPeerUrls().get(0) + "): " + e.getMessage(), e);
        }
      }
      throw new EmbeddedKetchException("member " + name() + " did not start: " + e.getMessage(), e);
    } catch (KetchServer.StartException e) {
      throw new EmbeddedKetchException("member " + name() + " did not start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EmbeddedKetchException("interrupted while member " + name() + " started", e);
    }
  }

  /** Its position in the cluster, from 0. */
  public int index() {
    return index;
  }

  /** Its member name ({@code --name}). */
  public String name() {
    return config.name();
  }

  /** Its member ID, as etcd's MemberList shows it. */
  public synchronized long id() {
    if (id == 0) {
      running();
    }
    return id;
  }

  /** Its member ID if it ever ran, else 0 (no lock: read by the cluster while it rewires faults). */
  long knownId() {
    return id;
  }

  FaultGate faults() {
    return faults;
  }

  /**
   * Stops it processing, as SIGSTOP stops a process: client calls wait (they go on at
   * {@link #resume()}), and peer traffic to and from it is dropped, so the others see it silent
   * while it keeps its state. Differs from SIGSTOP in one way: its own timers run on, so it may start
   * elections nobody hears.
   */
  public void pause() {
    running();
    cluster.setPaused(this, true);
  }

  /** {@link #pause()} for {@code duration}, then {@link #resume()} by itself. */
  public void pause(java.time.Duration duration) {
    pause();
    cluster.later(duration, this::resume);
  }

  /** Ends a {@link #pause()}. */
  public void resume() {
    if (closed) {
      throw new IllegalStateException("member " + name() + " is closed");
    }
    cluster.setPaused(this, false);
  }

  /** Makes each fsync of its Raft log take {@code delay} longer ({@code Duration.ZERO}: a normal disk again). */
  public void slowDisk(java.time.Duration delay) {
    if (closed) {
      throw new IllegalStateException("member " + name() + " is closed");
    }
    faults.slowDisk(delay);
  }

  /** Its client URL, e.g. {@code http://127.0.0.1:40123}. */
  public URI clientUrl() {
    return clientUrl;
  }

  /** Its client address, {@code host:port}. */
  public String endpoint() {
    return clientUrl.getHost() + ":" + clientUrl.getPort();
  }

  /** Its data directory. */
  public Path dataDir() {
    return config.dataDir();
  }

  public synchronized boolean isRunning() {
    return server != null;
  }

  /** Whether it is running and leads its cluster now. */
  public synchronized boolean isLeader() {
    return server != null && server.leaderId() == server.memberId();
  }

  /**
   * Stops it abruptly, as a crash would: no leadership hand-over, clients cut off; its data directory
   * stays as it is for {@link #restart()}.
   */
  public synchronized void kill() {
    running().halt();
    server = null;
  }

  /** Stops it cleanly (a leader hands leadership over first, as on SIGTERM). */
  public synchronized void stop() {
    running().close();
    server = null;
  }

  /** Starts it again from its data directory (after {@link #kill()} or {@link #stop()}). */
  public synchronized void restart() throws EmbeddedKetchException {
    if (closed) {
      throw new IllegalStateException("member " + name() + " is closed");
    }
    start();
  }

  /** The running server, for what this handle does not cover. */
  public synchronized KetchServer server() {
    return running();
  }

  private KetchServer running() {
    if (closed) {
      throw new IllegalStateException("member " + name() + " is closed");
    }
    if (server == null) {
      throw new IllegalStateException("member " + name() + " is not running (killed or stopped; restart() it)");
    }
    return server;
  }

  /** Stops it for good (the cluster is closing). */
  synchronized void close() {
    if (server != null) {
      server.halt();
      server = null;
    }
    closed = true;
  }

  @Override
  public String toString() {
    return name() + "@" + endpoint();
  }
}
