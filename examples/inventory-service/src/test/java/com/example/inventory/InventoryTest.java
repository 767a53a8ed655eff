package com.example.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.client.Client;
import io.ketch.embed.EmbeddedKetch;
import io.ketch.junit.KetchTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The inventory service against a real 3-member Ketch cluster in the test's JVM: four services
 * selling the same ten units at once sell exactly ten, also while the cluster's leader crashes; each
 * service's cached view catches up.
 */
@KetchTest(members = 3, lifecycle = KetchTest.Lifecycle.PER_METHOD)
class InventoryTest {
  Client client;
  EmbeddedKetch cluster;

  @Test
  void fourServicesNeverSellMoreThanTheStock() throws Exception {
    int[] outcome = sellFromFourServices(false);
    assertEquals(10, outcome[0], "sold");
    assertEquals(0, outcome[1], "no reservation failed");
  }

  @Test
  void aLeaderCrashDoesNotOversell() throws Exception {
    int[] outcome = sellFromFourServices(true);
    // a reservation cut off by the crash may or may not have taken its unit: never more than the stock
    assertTrue(outcome[0] <= 10, "sold " + outcome[0]);
    assertTrue(outcome[0] + outcome[1] >= 10, "sold " + outcome[0] + ", unknown " + outcome[1]);
  }

  /** Sells until the stock is gone: {units confirmed sold, reservations that failed midway}. */
  private int[] sellFromFourServices(boolean crashLeader) throws Exception {
    try (Inventory admin = new Inventory(client)) {
      admin.restock("widget", 10);
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<int[]>> sold = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      sold.add(pool.submit(() -> {
        // each service has its own connection, as separate processes would
        try (Client own = Client.builder().endpoints(cluster.endpoints().toArray(String[]::new)).build();
             Inventory inventory = new Inventory(own)) {
          int confirmed = 0;
          int failed = 0;
          while (true) {
            try {
              if (!inventory.reserve("widget", 1)) {
                return new int[] {confirmed, failed};
              }
              confirmed++;
            } catch (Exception e) {
              failed++; // e.g. the leader died under the call; the unit may or may not be taken
            }
          }
        }
      }));
    }
    if (crashLeader) {
      Thread.sleep(200);
      cluster.leader().kill();
    }
    int[] total = new int[2];
    for (Future<int[]> f : sold) {
      int[] one = f.get(120, TimeUnit.SECONDS);
      total[0] += one[0];
      total[1] += one[1];
    }
    pool.shutdown();
    try (Inventory view = new Inventory(client)) {
      assertEquals(0, view.available("widget"), "a fresh service sees the stock gone");
    }
    return total;
  }
}
