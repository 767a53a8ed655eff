package io.ketch.server.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on 127.0.0.1 for servers that must be told their port before they bind it (a
 * member's peer URL is part of the cluster configuration, so it cannot be port 0).
 *
 * <p>Asking the kernel for port 0 and closing the socket is not enough: the port it returns comes
 * from the ephemeral range, which every outgoing connection on the machine draws its local port
 * from, so a client connecting anywhere can take the port before the server binds it. Ports here
 * come from below that range instead, handed out in sequence from an offset that differs per
 * process, each one checked to be bindable, and never twice in one JVM.
 */
public final class LoopbackPorts {
  private static final int LOWEST = 10_000;
  private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  private static final int FIRST_EPHEMERAL = firstEphemeralPort();
  private static final AtomicInteger NEXT =
      new AtomicInteger((int) ((ProcessHandle.current().pid() * 7919L) % span()));

  private LoopbackPorts() {}

  /** A port that nothing on 127.0.0.1 listens on now and that this JVM has not handed out before. */
  public static int next() {
    int span = span();
    if (span < 1_000) {
      return kernelChosen();
    }
    for (int tries = 0; tries < span; tries++) {
      int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), span);
      if (bindable(port)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port on 127.0.0.1 in [" + LOWEST + ", " + FIRST_EPHEMERAL + ")");
  }

  private static int span() {
    return FIRST_EPHEMERAL - LOWEST;
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int kernelChosen() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free port on 127.0.0.1: " + e.getMessage(), e);
    }
  }

  private static int firstEphemeralPort() {
    // read line by line: Files.readString trusts the size /proc reports and can return a prefix
    try (BufferedReader in = Files.newBufferedReader(EPHEMERAL_RANGE)) {
      String[] range = in.readLine().trim().split("\\s+");
      return Integer.parseInt(range[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768; // Linux's default range starts here
    }
  }
}
