package io.ketch.cli.bench;

import com.google.protobuf.ByteString;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A client as the bench drives it ({@code --driver}): ketch-client, jetcd, or the JSON gateway. One
 * driver is one client object (one connection); loads spread their clients over {@code --conns}
 * drivers.
 */
interface ClientDriver extends AutoCloseable {
  /** Puts the key; completes when acknowledged. */
  CompletableFuture<?> put(ByteString key, ByteString value);

  /** Reads the key. */
  CompletableFuture<?> get(ByteString key, boolean serializable);

  /**
   * Watches every key in {@code [key, end)} from the next revision; {@code values} receives the
   * values of each delivered response's events. Completes once the watch is created.
   */
  CompletableFuture<Void> watch(ByteString key, ByteString end, Consumer<List<ByteString>> values);

  @Override
  void close();

  /** The driver named by {@code --driver}, connected to {@code endpoint}. */
  static ClientDriver of(String name, String endpoint) {
    return switch (name) {
      case "ketch-client" -> new KetchClientDriver(endpoint);
      case "jetcd" -> new JetcdDriver(endpoint);
      case "http" -> new HttpJsonDriver(endpoint);
      default -> throw new IllegalArgumentException("unknown driver " + name);
    };
  }
}
