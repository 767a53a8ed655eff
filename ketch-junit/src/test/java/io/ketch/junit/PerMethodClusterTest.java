package io.ketch.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import org.junit.jupiter.api.RepeatedTest;

/** {@code lifecycle = PER_METHOD}: every test gets a new, empty member. */
@KetchTest(lifecycle = KetchTest.Lifecycle.PER_METHOD)
class PerMethodClusterTest {
  @RepeatedTest(3)
  void eachTestStartsEmpty(Client client) {
    ByteString key = ByteString.copyFromUtf8("marker");
    assertEquals(0, client.kv().get(key).join().getKvsCount(), "no earlier test's data");
    client.kv().put(key, ByteString.copyFromUtf8("x")).join();
  }
}
