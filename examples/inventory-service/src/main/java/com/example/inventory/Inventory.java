package com.example.inventory;

import com.google.protobuf.ByteString;
import io.ketch.client.Client;
import io.ketch.client.cache.KvCache;
import io.ketch.client.concurrency.Mutex;
import io.ketch.client.concurrency.Session;
import java.util.concurrent.TimeUnit;

/**
 * Stock levels kept in etcd (or Ketch): {@code stock/<item>} holds the count. Reservations take a
 * per-item lock ({@link Mutex}) so two services never sell the same unit; reads come from a local
 * {@link KvCache} kept up to date by a watch.
 */
public final class Inventory implements AutoCloseable {
  private static final ByteString STOCK = ByteString.copyFromUtf8("stock/");

  private final Client client;
  private final Session session;
  private final KvCache cache;

  public Inventory(Client client) {
    this.client = client;
    this.session = Session.create(client, 10);
    this.cache = KvCache.start(client, STOCK);
    cache.ready().join();
  }

  /** Sets the stock of {@code item}. */
  public void restock(String item, int count) {
    client.kv().put(key(item), ByteString.copyFromUtf8(Integer.toString(count))).join();
  }

  /** Takes {@code count} units of {@code item} if there are that many; whether it did. */
  public boolean reserve(String item, int count) throws Exception {
    Mutex lock = new Mutex(session, ByteString.copyFromUtf8("locks/" + item));
    lock.lock().get(30, TimeUnit.SECONDS);
    try {
      var r = client.kv().get(key(item)).get(30, TimeUnit.SECONDS);
      int left = r.getKvsCount() == 0 ? 0 : Integer.parseInt(r.getKvs(0).getValue().toStringUtf8());
      if (left < count) {
        return false;
      }
      client.kv().put(key(item), ByteString.copyFromUtf8(Integer.toString(left - count))).get(30, TimeUnit.SECONDS);
      return true;
    } finally {
      lock.unlock().get(30, TimeUnit.SECONDS);
    }
  }

  /** The stock of {@code item} as this service last saw it (no round trip). */
  public int available(String item) {
    return cache.get(key(item)).map(kv -> Integer.parseInt(kv.getValue().toStringUtf8())).orElse(0);
  }

  private static ByteString key(String item) {
    return STOCK.concat(ByteString.copyFromUtf8(item));
  }

  @Override
  public void close() {
    cache.close();
    session.close();
  }
}
