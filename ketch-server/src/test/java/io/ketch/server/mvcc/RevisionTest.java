package io.ketch.server.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RevisionTest {
  @Test
  void encodesAsEtcdDoes() {
    byte[] b = new Revision(0x0102030405060708L, 2).toBytes(false);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, '_', 0, 0, 0, 0, 0, 0, 0, 2}, b);
    byte[] t = new Revision(5, 0).toBytes(true);
    assertEquals(18, t.length);
    assertEquals('t', t[17]);
    assertTrue(Revision.isTombstone(t));
    assertFalse(Revision.isTombstone(b));
  }

  @ParameterizedTest
  @CsvSource({"1,0", "2,5", "255,256", "9223372036854775807,3"})
  void roundTrips(long main, long sub) {
    Revision r = new Revision(main, sub);
    assertEquals(r, Revision.fromBytes(r.toBytes(false)));
    assertEquals(r, Revision.fromBytes(r.toBytes(true)));
  }

  @Test
  void byteOrderIsRevisionOrder() {
    Revision[] revs = {new Revision(1, 0), new Revision(1, 1), new Revision(2, 0), new Revision(256, 0), new Revision(256, 7)};
    for (int i = 1; i < revs.length; i++) {
      assertTrue(Arrays.compareUnsigned(revs[i - 1].toBytes(false), revs[i].toBytes(false)) < 0);
      assertTrue(revs[i - 1].compareTo(revs[i]) < 0);
    }
  }

  @Test
  void rejectsWrongLength() {
    assertThrows(IllegalArgumentException.class, () -> Revision.fromBytes(new byte[5]));
  }
}
