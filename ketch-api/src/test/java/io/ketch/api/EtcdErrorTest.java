package io.ketch.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EtcdErrorTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "EMPTY_KEY           | INVALID_ARGUMENT   | etcdserver: key is not provided",
      "TOO_MANY_OPS        | INVALID_ARGUMENT   | etcdserver: too many operations in txn request",
      "DUPLICATE_KEY       | INVALID_ARGUMENT   | etcdserver: duplicate key given in txn request",
      "COMPACTED           | OUT_OF_RANGE       | etcdserver: mvcc: required revision has been compacted",
      "FUTURE_REV          | OUT_OF_RANGE       | etcdserver: mvcc: required revision is a future revision",
      "NO_SPACE            | RESOURCE_EXHAUSTED | etcdserver: mvcc: database space exceeded",
      "LEASE_NOT_FOUND     | NOT_FOUND          | etcdserver: requested lease not found",
      "REQUEST_TOO_LARGE   | INVALID_ARGUMENT   | etcdserver: request is too large",
      "NO_LEADER           | UNAVAILABLE        | etcdserver: no leader",
      "PERMISSION_DENIED   | PERMISSION_DENIED  | etcdserver: permission denied",
      "INVALID_AUTH_TOKEN  | UNAUTHENTICATED    | etcdserver: invalid auth token",
  })
  void carriesEtcdsCodeAndText(EtcdError error, Status.Code code, String text) {
    StatusRuntimeException e = error.exception();
    assertEquals(code, e.getStatus().getCode());
    assertEquals(text, e.getStatus().getDescription());
    assertEquals(error, EtcdError.fromDescription(text));
  }

  @Test
  void everyTextIsUniqueAndPrefixed() {
    Set<String> seen = new HashSet<>();
    for (EtcdError e : EtcdError.values()) {
      // etcd's auth package sends one error outside its gRPC table, as a plain "auth: " error
      assertTrue(e.description().startsWith("etcdserver: ") || e == EtcdError.NO_PASSWORD_USER, e.name());
      assertTrue(seen.add(e.description()), "duplicate text " + e.description());
    }
    assertNull(EtcdError.fromDescription("something else"));
  }
}
