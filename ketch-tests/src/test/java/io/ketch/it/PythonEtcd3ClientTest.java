package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** python-etcd3 (Debian's python3-etcd3), a real client, runs the same session against etcd and Ketch. */
class PythonEtcd3ClientTest {
  private static final Path PYTHON = Path.of("/usr/bin/python3");

  private static String run(Endpoint e, Path script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(PYTHON.toString(), script.toString(), e.address()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "python session did not finish");
    return "exit=" + p.exitValue() + "\n" + out;
  }

  @Test
  void sameTranscriptAsEtcd() throws Exception {
    Path script = Files.createTempFile("etcd3_session", ".py");
    try (InputStream in = getClass().getResourceAsStream("/python/etcd3_session.py")) {
      Files.write(script, in.readAllBytes());
    }
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      String expected = run(etcd, script);
      assertTrue(expected.startsWith("exit=0\n") && expected.contains("done"), "the oracle session failed:\n" + expected);
      assertEquals(expected, run(ketch, script));
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
