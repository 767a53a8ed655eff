package io.ketch.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The failover command's flags: one pid per endpoint, a writer among the endpoints. */
class BenchOptionsTest {
  private static final String ENDPOINTS = "--endpoints=127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793";

  @Test
  void failoverTakesOnePidPerEndpoint() {
    BenchOptions o = BenchOptions.parse(new String[] {ENDPOINTS, "--pids=11,12,13", "failover"});
    assertEquals(List.of(11L, 12L, 13L), o.pids());
    assertNull(o.writer());
    assertEquals(100, o.putTimeoutMillis());
  }

  @Test
  void failoverTakesAWriterAndAPutTimeout() {
    BenchOptions o = BenchOptions.parse(new String[] {ENDPOINTS, "--pids=11,12,13", "--writer=127.0.0.1:23792",
        "--put-timeout=250", "failover"});
    assertEquals("127.0.0.1:23792", o.writer());
    assertEquals(250, o.putTimeoutMillis());
  }

  @ParameterizedTest
  @ValueSource(strings = {"--pids=11,12", "--pids=11,12,x", "--pids=11,12,-3", "--writer=127.0.0.1:2379",
      "--driver=jetcd", "--put-timeout=0"})
  void failoverRefuses(String flag) {
    String[] args = flag.startsWith("--pids")
        ? new String[] {ENDPOINTS, flag, "failover"}
        : new String[] {ENDPOINTS, "--pids=11,12,13", flag, "failover"};
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(args));
  }

  @Test
  void failoverNeedsPids() {
    assertThrows(IllegalArgumentException.class, () -> BenchOptions.parse(new String[] {ENDPOINTS, "failover"}));
  }
}
