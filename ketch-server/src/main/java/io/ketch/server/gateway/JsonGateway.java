package io.ketch.server.gateway;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's JSON gateway: {@code POST /v3/<service>/<method>} (and the {@code /v3beta/} aliases etcd 3.4
 * still serves) with a JSON body is the gRPC call the proto's {@code google.api.http} annotation names,
 * made to this member's own services through an in-process channel, so every interceptor (the
 * authorization step, the member guard) applies exactly as to a gRPC client. The token travels as
 * etcd's gateway sends it: the {@code Authorization} header as {@code authorization} metadata.
 *
 * <p>Bodies are read as Go's jsonpb reads them ({@link JsonToProto}); answers are printed as
 * etcd's gateway prints them (proto field names, 64-bit integers as strings, bytes as base64,
 * defaults left out) and failures as {@code {"error":..,"message":..,"code":N}} with grpc-gateway's
 * HTTP status for the code.
 */
public final class JsonGateway {
  /**
   * What an HTTP route answers: a status, a content type (null: none), a body and any further
   * headers.
   */
  public record Answer(int status, String contentType, byte[] body, Map<String, String> headers) {
    public Answer(int status, String contentType, byte[] body) {
      this(status, contentType, body, Map.of());
    }

    static Answer json(int status, String json) {
      return new Answer(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
    }

    static Answer text(int status, String text) {
      return new Answer(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private record Route(MethodDescriptor<Object, Object> method, Message requestPrototype) {}

  private final Map<String, Route> unary = new HashMap<>();
  private final Map<String, Route> streaming = new HashMap<>();
  private final Channel channel;

  /**
   * The routes of {@code services} (the generated descriptors: proto schema and standard marshallers,
   * whatever marshallers the bound services use on the server side), called through {@code channel}.
   */
  public JsonGateway(List<ServiceDescriptor> services, Channel channel) {
    this.channel = channel;
    for (ServiceDescriptor service : services) {
      if (!(service.getSchemaDescriptor() instanceof ProtoServiceDescriptorSupplier s)) {
        continue;
      }
      Descriptors.ServiceDescriptor proto = s.getServiceDescriptor();
      for (MethodDescriptor<?, ?> any : service.getMethods()) {
        Descriptors.MethodDescriptor m = proto.findMethodByName(any.getBareMethodName());
        if (m == null) {
          continue;
        }
        HttpRule rule = m.getOptions().getExtension(AnnotationsProto.http);
        List<String> paths = new java.util.ArrayList<>();
        for (HttpRule r : concat(rule, rule.getAdditionalBindingsList())) {
          if (!r.getPost().isEmpty()) {
            paths.add(r.getPost());
          }
        }
        if (paths.isEmpty()) {
          continue;
        }
        @SuppressWarnings("unchecked")
        MethodDescriptor<Object, Object> md = (MethodDescriptor<Object, Object>) any;
        Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) md.getRequestMarshaller())
            .getMessagePrototype();
        Route route = new Route(md, prototype);
        Map<String, Route> table = md.getType() == MethodDescriptor.MethodType.UNARY ? unary : streaming;
        for (String path : paths) {
          table.put(path, route);
          if (path.startsWith("/v3/")) {
            table.put("/v3beta/" + path.substring(4), route); // etcd 3.4's alias
          }
        }
      }
    }
  }

  /** Whether {@code path} is one of the gateway's (any method). */
  public boolean serves(String path) {
    return path.startsWith("/v3/") || path.startsWith("/v3beta/");
  }

  /** Answers one request to a gateway path. */
  public CompletableFuture<Answer> handle(String httpMethod, String path, String authorization, byte[] body) {
    Route route = unary.get(path);
    if (route == null) {
      return CompletableFuture.completedFuture(Answer.text(404, "Not Found\n"));
    }
    if (!httpMethod.equals("POST")) {
      return CompletableFuture.completedFuture(Answer.text(405, "Method Not Allowed\n"));
    }
    Message request;
    try {
      request = JsonToProto.read(body, route.requestPrototype());
    } catch (JsonToProto.BadJson e) {
      return CompletableFuture.completedFuture(error(Status.INVALID_ARGUMENT.withDescription(e.getMessage())));
    }
    Channel ch = channelFor(authorization);
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    com.google.common.util.concurrent.ListenableFuture<Object> call =
        ClientCalls.futureUnaryCall(ch.newCall(route.method(), CallOptions.DEFAULT), request);
    call.addListener(() -> {
      try {
        answer.complete(Answer.json(200, GoJsonText.fromJsonFormat(PRINTER.print((Message) call.get()))));
      } catch (java.util.concurrent.ExecutionException e) {
        answer.complete(error(Status.fromThrowable(e.getCause())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        answer.complete(error(Status.CANCELLED));
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        answer.complete(error(Status.INTERNAL.withDescription(e.getMessage())));
      }
    }, Runnable::run);
    return answer;
  }

  /** Whether {@code path} is a streaming route answered with a POST (see {@link GatewayStream}). */
  public boolean streams(String httpMethod, String path) {
    return httpMethod.equals("POST") && streaming.containsKey(path);
  }

  /** Starts a streaming route's call; returns what cancels it. */
  Runnable stream(String path, String authorization, byte[] body, GatewayStream.Sink sink) {
    Route route = streaming.get(path);
    return GatewayStream.start(channelFor(authorization), route.method(), route.requestPrototype(), body, sink);
  }

  /** The in-process channel, sending {@code authorization} (the HTTP header) as etcd's gateway does. */
  private Channel channelFor(String authorization) {
    if (authorization == null) {
      return channel;
    }
    Metadata md = new Metadata();
    md.put(AUTHORIZATION, authorization);
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  /** grpc-gateway's error body and HTTP status for a gRPC status. */
  static Answer error(Status status) {
    String message = status.getDescription() == null ? "" : status.getDescription();
    int code = status.getCode().value();
    return Answer.json(httpStatus(status.getCode()),
        "{\"error\":" + GoJsonText.quote(message) + ",\"message\":" + GoJsonText.quote(message) + ",\"code\":" + code
            + "}");
  }

  private static List<HttpRule> concat(HttpRule first, List<HttpRule> more) {
    List<HttpRule> all = new java.util.ArrayList<>(more);
    all.add(0, first);
    return all;
  }

  /** grpc-gateway's HTTPStatusFromCode in the version etcd 3.4 serves (FailedPrecondition: 412). */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 408;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> 400;
      case FAILED_PRECONDITION -> 412;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
    };
  }
}
