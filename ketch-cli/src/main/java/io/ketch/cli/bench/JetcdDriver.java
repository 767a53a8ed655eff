package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** The bench's jetcd driver: the reference Java client, for comparison. */
final class JetcdDriver implements ClientDriver {
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable(true).build();

  private final Client client;

  JetcdDriver(String endpoint) {
    client = Client.builder().endpoints(endpoint.contains("://") ? endpoint : "http://" + endpoint).build();
  }

  private static ByteSequence bytes(ByteString b) {
    return ByteSequence.from(b.toByteArray());
  }

  @Override
  public CompletableFuture<?> put(ByteString key, ByteString value) {
    return client.getKVClient().put(bytes(key), bytes(value));
  }

  @Override
  public CompletableFuture<?> get(ByteString key, boolean serializable) {
    return serializable ? client.getKVClient().get(bytes(key), SERIALIZABLE) : client.getKVClient().get(bytes(key));
  }

  @Override
  public CompletableFuture<Void> watch(ByteString key, ByteString end, Consumer<List<ByteString>> values) {
    CompletableFuture<Void> created = new CompletableFuture<>();
    WatchOption option = WatchOption.builder().withRange(bytes(end)).withCreateNotify(true).build();
    client.getWatchClient().watch(bytes(key), option, new Watch.Listener() {
      @Override
      public void onNext(WatchResponse r) {
        if (r.getEvents().isEmpty()) {
          created.complete(null);
          return;
        }
        List<ByteString> v = new ArrayList<>(r.getEvents().size());
        for (WatchEvent e : r.getEvents()) {
          v.add(ByteString.copyFrom(e.getKeyValue().getValue().getBytes()));
        }
        values.accept(v);
      }

      @Override
      public void onError(Throwable t) {
        created.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    return created;
  }

  @Override
  public void close() {
    client.close();
  }
}
