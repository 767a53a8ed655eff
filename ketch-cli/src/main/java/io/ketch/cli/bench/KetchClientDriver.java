package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import io.ketch.api.etcdserverpb.WatchResponse;
import io.ketch.api.mvccpb.Event;
import io.ketch.client.Client;
import io.ketch.client.Watch;
import io.ketch.client.options.GetOption;
import io.ketch.client.options.WatchOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** The bench's ketch-client driver. */
final class KetchClientDriver implements ClientDriver {
  private static final GetOption SERIALIZABLE = GetOption.builder().withSerializable().build();

  private final Client client;

  KetchClientDriver(String endpoint) {
    client = Client.builder().endpoints(endpoint).requestTimeout(null).build();
  }

  @Override
  public CompletableFuture<?> put(ByteString key, ByteString value) {
    return client.kv().put(key, value);
  }

  @Override
  public CompletableFuture<?> get(ByteString key, boolean serializable) {
    return client.kv().get(key, serializable ? SERIALIZABLE : GetOption.DEFAULT);
  }

  @Override
  public CompletableFuture<Void> watch(ByteString key, ByteString end, Consumer<List<ByteString>> values) {
    CompletableFuture<Void> created = new CompletableFuture<>();
    client.watch().watch(key, WatchOption.builder().withRangeEnd(end).withCreatedNotify().build(), new Watch.Listener() {
      @Override
      public void onNext(WatchResponse r) {
        if (r.getCreated()) {
          created.complete(null);
          return;
        }
        List<ByteString> v = new ArrayList<>(r.getEventsCount());
        for (Event e : r.getEventsList()) {
          v.add(e.getKv().getValue());
        }
        values.accept(v);
      }
    });
    return created;
  }

  @Override
  public void close() {
    client.close();
  }
}
