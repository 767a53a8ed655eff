package io.ketch.server.calls;

import io.grpc.ServerCall;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A call's listener before the real one exists (an interceptor decides asynchronously whether, and
 * when, the call goes on): what the transport delivers meanwhile is kept and replayed, in order, to
 * the listener given to {@link #start}.
 */
public final class DeferredListener<Q> extends ServerCall.Listener<Q> {
  private final List<Consumer<ServerCall.Listener<Q>>> pending = new ArrayList<>();
  private ServerCall.Listener<Q> delegate;

  /** From now on everything goes to {@code listener}, starting with what was kept. */
  public synchronized void start(ServerCall.Listener<Q> listener) {
    delegate = listener;
    for (Consumer<ServerCall.Listener<Q>> event : pending) {
      event.accept(delegate);
    }
    pending.clear();
  }

  private synchronized void on(Consumer<ServerCall.Listener<Q>> event) {
    if (delegate != null) {
      event.accept(delegate);
    } else {
      pending.add(event);
    }
  }

  @Override
  public void onMessage(Q message) {
    on(l -> l.onMessage(message));
  }

  @Override
  public void onHalfClose() {
    on(ServerCall.Listener::onHalfClose);
  }

  @Override
  public void onCancel() {
    on(ServerCall.Listener::onCancel);
  }

  @Override
  public void onComplete() {
    on(ServerCall.Listener::onComplete);
  }

  @Override
  public void onReady() {
    on(ServerCall.Listener::onReady);
  }
}
