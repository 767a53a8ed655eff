package io.ketch.server.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** etcdutl's output formats. */
class SnapshotStatusTest {
  @Test
  void sizesPrintAsGoHumanizeDoes() {
    assertEquals("0 B", SnapshotStatus.humanBytes(0));
    assertEquals("9 B", SnapshotStatus.humanBytes(9));
    assertEquals("999 B", SnapshotStatus.humanBytes(999));
    assertEquals("1.0 kB", SnapshotStatus.humanBytes(1000));
    assertEquals("16 kB", SnapshotStatus.humanBytes(16384));
    assertEquals("2.1 MB", SnapshotStatus.humanBytes(2146304));
    assertEquals("20 MB", SnapshotStatus.humanBytes(20_480_000));
  }

  @Test
  void formatsAsEtcdutl() {
    SnapshotStatus s = new SnapshotStatus(0xfe01cf57, 10, 7, 2146304);
    assertEquals("fe01cf57, 10, 7, 2.1 MB\n", s.format("simple"));
    assertEquals("{\"hash\":4261531479,\"revision\":10,\"totalKey\":7,\"totalSize\":2146304}\n", s.format("json"));
    assertEquals("""
        +----------+----------+------------+------------+
        |   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |
        +----------+----------+------------+------------+
        | fe01cf57 |       10 |          7 |     2.1 MB |
        +----------+----------+------------+------------+
        """, s.format("table"));
  }
}
