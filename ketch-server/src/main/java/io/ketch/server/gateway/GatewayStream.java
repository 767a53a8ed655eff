package io.ketch.server.gateway;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming gateway route as etcd's gateway serves it ({@code /v3/watch}, {@code /v3/lease/keepalive},
 * {@code /v3/maintenance/snapshot}, {@code /v3/election/observe}): the request body holds the client's
 * messages one after another (one for a server stream); each is sent, then the client side is
 * closed, and every answer is written as its own line {@code {"result":{...}}} while the call lasts.
 * A failure before the first answer is an ordinary error answer; one after it is a last line
 * {@code {"error":{"grpc_code":..,"http_code":..,"message":..,"http_status":..}}}.
 */
public final class GatewayStream {
  /** Where the answers go (the HTTP connection); called from one thread at a time. */
  public interface Sink {
    /** The response starts (status 200, chunked), with these headers besides the content type. */
    void start(java.util.Map<String, String> headers);

    /** The response starts with no further headers. */
    default void start() {
      start(java.util.Map.of());
    }

    /** One more line (already ending in a newline). */
    void line(String text);

    /** The stream ended: {@code failure} is a whole answer when nothing was started, else null. */
    void end(JsonGateway.Answer failure);
  }

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private GatewayStream() {}

  /**
   * Starts the call; returns what cancels it (the client went away), or completes {@code sink} at
   * once when the body does not hold a valid first message.
   */
  static Runnable start(Channel channel, MethodDescriptor<Object, Object> method, Message prototype, byte[] body,
      Sink sink) {
    GoJson.Decoder decoder = GoJson.decoder(body);
    List<Message> requests = new ArrayList<>();
    try {
      requests.add(JsonToProto.read(decoder.next(), prototype));
    } catch (GoJson.SyntaxError | JsonToProto.BadJson e) {
      // etcd's gateway: a server stream's request is refused as invalid; a bidi stream's first
      // message fails as a plain error, which grpc-gateway turns into Unknown (500)
      Status s = method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING ? Status.UNKNOWN : Status.INVALID_ARGUMENT;
      sink.end(JsonGateway.error(s.withDescription(e.getMessage())));
      return () -> { };
    }
    if (method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING) {
      // later messages that do not parse end the sending, as etcd's gateway does
      try {
        for (GoJson.Value v = decoder.next(); v != null; v = decoder.next()) {
          requests.add(JsonToProto.read(v, prototype));
        }
      } catch (GoJson.SyntaxError | JsonToProto.BadJson e) {
        // what came before is sent
      }
    }
    Answers answers = new Answers(sink);
    var call = channel.newCall(method, CallOptions.DEFAULT);
    if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
      ClientCalls.asyncServerStreamingCall(call, requests.get(0), answers);
    } else {
      StreamObserver<Object> out = ClientCalls.asyncBidiStreamingCall(call, answers);
      for (Message m : requests) {
        out.onNext(m);
      }
      out.onCompleted();
    }
    return answers::cancel;
  }

  /** The call's answers onto the sink. */
  private static final class Answers implements ClientResponseObserver<Object, Object> {
    private final Sink sink;
    private volatile ClientCallStreamObserver<Object> requests;
    private boolean started;

    Answers(Sink sink) {
      this.sink = sink;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<Object> requestStream) {
      this.requests = requestStream;
    }

    void cancel() {
      ClientCallStreamObserver<Object> r = requests;
      if (r != null) {
        r.cancel("the HTTP client went away", null);
      }
    }

    @Override
    public synchronized void onNext(Object value) {
      String json;
      try {
        json = GoJsonText.fromJsonFormat(PRINTER.print((Message) value));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        cancel();
        return;
      }
      if (!started) {
        started = true;
        sink.start();
      }
      sink.line("{\"result\":" + json + "}\n");
    }

    @Override
    public synchronized void onError(Throwable t) {
      Status s = Status.fromThrowable(t);
      if (!started) {
        sink.end(JsonGateway.error(s));
        return;
      }
      int http = JsonGateway.httpStatus(s.getCode());
      String message = s.getDescription() == null ? "" : s.getDescription();
      sink.line("{\"error\":{\"grpc_code\":" + s.getCode().value() + ",\"http_code\":" + http + ",\"message\":"
          + GoJsonText.quote(message) + ",\"http_status\":" + GoJsonText.quote(statusText(http)) + "}}\n");
      sink.end(null);
    }

    @Override
    public synchronized void onCompleted() {
      if (!started) {
        started = true;
        sink.start();
      }
      sink.end(null);
    }
  }

  /** Go's http.StatusText for the statuses grpc-gateway uses. */
  static String statusText(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 412 -> "Precondition Failed";
      case 429 -> "Too Many Requests";
      case 501 -> "Not Implemented";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Internal Server Error";
    };
  }
}
