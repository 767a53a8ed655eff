package io.ketch.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {
  @Test
  void portsAreDistinctBindableAndOutsideTheEphemeralRange() throws Exception {
    int firstEphemeral;
    try (BufferedReader in = Files.newBufferedReader(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
      firstEphemeral = Integer.parseInt(in.readLine().trim().split("\\s+")[0]);
    }
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = LoopbackPorts.next();
      assertTrue(seen.add(port), "handed out twice: " + port);
      assertTrue(port < firstEphemeral, port + " is in the ephemeral range");
    }
    int port = LoopbackPorts.next();
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertEquals(port, s.getLocalPort());
    }
  }

  @Test
  void aPortSomeoneListensOnIsSkipped() throws Exception {
    int taken = LoopbackPorts.next() + 1; // the next one in sequence, unless another test raced us
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), taken));
      assertNotEquals(taken, LoopbackPorts.next());
    }
  }
}
