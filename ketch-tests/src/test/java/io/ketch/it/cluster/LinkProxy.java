package io.ketch.it.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One direction of a peer link: member {@code from} reaches member {@code to}'s peer port through
 * this proxy (its hosts file maps {@code to}'s host name to this proxy's address). A test breaks the
 * link in one of two ways, as a network would:
 *
 * <ul>
 *   <li>{@link #drop()}: packets stop crossing, as when a cable is pulled or a firewall drops them.
 *       Nothing is read or forwarded, so senders' buffers fill and their requests time out; a new
 *       connection is accepted but not forwarded. TCP loses no bytes, so after {@link #heal()}
 *       every connection carries on with what was held, as TCP would after retransmitting;
 *   <li>{@link #refuse()}: the path is refused. Every connection is reset and new ones are refused.
 * </ul>
 *
 * <p>Concurrency: two blocking pump threads per connection, which wait on this object's monitor
 * while the link drops.
 */
final class LinkProxy implements AutoCloseable {
  enum State { OPEN, DROP, REFUSE }

  private final InetSocketAddress listen;
  private final InetSocketAddress target;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  // @GuardedBy("this")
  private State state = State.OPEN;
  private volatile boolean closed;
  private final ServerSocket server;

  /** Listens on {@code listen} (a loopback address of its own) and forwards to {@code target}. */
  LinkProxy(InetSocketAddress listen, InetSocketAddress target) throws IOException {
    this.listen = listen;
    this.target = target;
    this.server = new ServerSocket();
    server.setReuseAddress(true);
    server.bind(listen, 64);
    Thread t = new Thread(this::acceptLoop, "link-proxy-" + listen);
    t.setDaemon(true);
    t.start();
  }

  synchronized State state() {
    return state;
  }

  /** Packets stop crossing (held, not lost) until {@link #heal()}. */
  synchronized void drop() {
    state = State.DROP;
  }

  /** Connections are reset and refused until {@link #heal()}. */
  synchronized void refuse() {
    state = State.REFUSE;
    for (Socket s : sockets) {
      abort(s);
    }
    sockets.clear();
  }

  /** The link works again. */
  synchronized void heal() {
    state = State.OPEN;
    notifyAll();
  }

  /** Blocks while the link drops; returns false once it refuses or is closed. */
  private synchronized boolean awaitOpen() throws InterruptedException {
    while (state == State.DROP && !closed) {
      wait();
    }
    return state == State.OPEN && !closed;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue;
      }
      synchronized (this) {
        if (state == State.REFUSE) {
          abort(in);
          continue;
        }
        sockets.add(in);
      }
      Thread t = new Thread(() -> connect(in), "link-proxy-connect");
      t.setDaemon(true);
      t.start();
    }
  }

  /** Forwards an accepted connection once the link is open (a dropped link holds it). */
  private void connect(Socket in) {
    Socket out = new Socket();
    try {
      if (!awaitOpen()) {
        abort(in);
        return;
      }
      out.connect(target, 2000);
    } catch (IOException | InterruptedException e) {
      sockets.remove(in);
      abort(in);
      closeQuietly(out);
      return;
    }
    sockets.add(out);
    pump(in, out);
    pump(out, in);
  }

  /** Copies {@code from} to {@code to}, holding the data while the link drops. */
  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream()) {
        OutputStream out = to.getOutputStream();
        while (awaitOpen()) {
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          if (!awaitOpen()) {
            break;
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // closed or reset
      } finally {
        sockets.remove(from);
        sockets.remove(to);
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "link-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Closes with a reset, as a refused path looks to the peer. */
  private static void abort(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (IOException ignored) {
      // closing anyway
    }
    closeQuietly(s);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    for (Socket s : sockets) {
      abort(s);
    }
    sockets.clear();
  }

  @Override
  public String toString() {
    return listen + "->" + target + " " + state();
  }

  static InetSocketAddress loopback(int a, int b, int port) throws IOException {
    return new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, (byte) a, (byte) b}), port);
  }
}
