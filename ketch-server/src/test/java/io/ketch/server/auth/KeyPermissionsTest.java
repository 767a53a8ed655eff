package io.ketch.server.auth;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.ketch.api.authpb.Permission;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** etcd's range permission semantics: single keys, ranges, from-key, and coverage by a union. */
class KeyPermissionsTest {
  private static Permission perm(String key, String end) {
    return Permission.newBuilder().setKey(ByteString.copyFromUtf8(key)).setRangeEnd(ByteString.copyFromUtf8(end))
        .build();
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void singleKeyCoversOnlyThatKey() {
    KeyPermissions p = KeyPermissions.of(List.of(perm("/a", "")));
    assertTrue(p.covers(b("/a"), new byte[0]));
    assertFalse(p.covers(b("/a0"), new byte[0]));
    assertFalse(p.covers(b("/a"), b("/b")), "a range beyond the key");
  }

  @Test
  void rangesAndTheirUnion() {
    KeyPermissions p = KeyPermissions.of(List.of(perm("/p/", "/p0"), perm("/p0", "/q")));
    assertTrue(p.covers(b("/p/x"), new byte[0]));
    assertTrue(p.covers(b("/p/"), b("/q")), "two adjacent ranges cover their union");
    assertFalse(p.covers(b("/p/"), b("/r")));
    assertFalse(p.covers(b("/o"), b("/p1")));
    assertFalse(p.covers(b("/p/"), new byte[] {0}), "open-ended beyond the ranges");
  }

  @Test
  void fromKeyIsOpenEnded() {
    KeyPermissions p = KeyPermissions.of(List.of(perm("/z", "\0")));
    assertTrue(p.covers(b("/zzz"), new byte[0]));
    assertTrue(p.covers(b("/z"), new byte[] {0}));
    assertFalse(p.covers(b("/y"), new byte[0]));
    KeyPermissions all = KeyPermissions.of(List.of(perm("", "\0")));
    assertTrue(all.covers(new byte[0], new byte[] {0}), "every key");
  }

  @Test
  void overlappingPermissionsMerge() {
    KeyPermissions p = KeyPermissions.of(List.of(perm("a", "m"), perm("c", "f"), perm("k", "t")));
    assertTrue(p.covers(b("a"), b("t")));
    assertFalse(p.covers(b("a"), b("u")));
    assertFalse(KeyPermissions.NONE.covers(b("a"), new byte[0]));
  }
}
