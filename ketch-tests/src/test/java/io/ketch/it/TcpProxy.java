package io.ketch.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of a server, so a test can cut a client off (every connection
 * closed, new ones refused) and let it back, deterministically, while the server keeps running.
 */
final class TcpProxy implements AutoCloseable {
  private final int port;
  private volatile ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private volatile boolean cut;
  private volatile boolean closed;

  TcpProxy(String targetAddress) throws IOException {
    int colon = targetAddress.lastIndexOf(':');
    targetHost = targetAddress.substring(0, colon);
    targetPort = Integer.parseInt(targetAddress.substring(colon + 1));
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    port = listener.getLocalPort();
    startAccepting(listener);
  }

  private void startAccepting(ServerSocket socket) {
    Thread t = new Thread(() -> acceptLoop(socket), "tcp-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  /** The proxy's address, {@code 127.0.0.1:port}. */
  String address() {
    return "127.0.0.1:" + port;
  }

  /**
   * Closes every proxied connection and stops listening, so new connections are refused (as by a
   * dead server), until {@link #restore()}.
   */
  synchronized void cut() {
    cut = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }

  /** Listens (on the same port) and accepts connections again. */
  synchronized void restore() throws IOException {
    if (!cut || closed) {
      return;
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
    listener = s;
    cut = false;
    startAccepting(s);
  }

  private void acceptLoop(ServerSocket socket) {
    while (!closed) {
      Socket client;
      try {
        client = socket.accept();
      } catch (IOException e) {
        return;
      }
      if (cut) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket server = new Socket(targetHost, targetPort);
        open.add(client);
        open.add(server);
        pump(client, server);
        pump(server, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buf)) >= 0) {
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // the connection ended or was cut
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "tcp-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    cut();
    try {
      listener.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
