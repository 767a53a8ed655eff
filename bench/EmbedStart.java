import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import io.ketch.embed.EmbeddedKetch;

/**
 * Start-to-first-successful-put of embedded Ketch (bench/embed-start.sh runs it as a single-file
 * program on ketch-embed's classpath): the first start in a fresh JVM (cold), then warm starts in
 * the same JVM, for a single member and a 3-member cluster. Prints one line per start.
 */
public class EmbedStart {
  public static void main(String[] args) throws Exception {
    int members = Integer.parseInt(args[0]);
    int rounds = Integer.parseInt(args[1]);
    for (int i = 0; i < rounds; i++) {
      long t0 = System.nanoTime();
      try (EmbeddedKetch k = EmbeddedKetch.builder().members(members).start();
           Client c = Client.builder().endpoints(k.endpoints().toArray(String[]::new)).build()) {
        c.kv().put(ByteString.copyFromUtf8("k"), ByteString.copyFromUtf8("v")).join();
        System.out.printf("embedded members=%d %s start_to_first_put_ms=%d%n", members, i == 0 ? "cold" : "warm",
            (System.nanoTime() - t0) / 1_000_000);
      }
    }
  }
}
