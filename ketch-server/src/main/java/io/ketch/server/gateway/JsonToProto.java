package io.ketch.server.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.ArrayList;
import java.util.List;

/**
 * A JSON request body into its protobuf message as etcd's gateway reads it (Go's jsonpb with
 * unknown fields allowed): fields by proto or lowerCamel name, 64-bit integers as numbers or quoted
 * numbers, bytes as standard base64, enums by name or number, {@code null} as absent. What it
 * refuses, it refuses with Go's message, so clients see etcd's texts.
 */
final class JsonToProto {
  /** A body that does not map onto the message; the message is Go's. */
  static final class BadJson extends Exception {
    BadJson(String message) {
      super(message, null, false, false);
    }
  }

  private JsonToProto() {}

  /** The message {@code body} describes; an empty body (or {@code null}) is the empty message. */
  static Message read(byte[] body, Message prototype) throws BadJson {
    try {
      return read(GoJson.decode(body), prototype);
    } catch (GoJson.SyntaxError e) {
      throw new BadJson(e.getMessage());
    }
  }

  /** The message a decoded value describes (null: the empty message). */
  static Message read(GoJson.Value v, Message prototype) throws BadJson {
    Message.Builder b = prototype.newBuilderForType();
    if (v != null && v.kind() != GoJson.Kind.NULL) {
      merge(v, b);
    }
    return b.build();
  }

  private static void merge(GoJson.Value v, Message.Builder b) throws BadJson {
    if (v.kind() != GoJson.Kind.OBJECT) {
      throw cannot(v.goKind(), "map[string]json.RawMessage");
    }
    // jsonpb reads the plain fields in declaration order, then the oneofs
    List<FieldDescriptor> order = new ArrayList<>();
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getRealContainingOneof() == null) {
        order.add(f);
      }
    }
    for (FieldDescriptor f : b.getDescriptorForType().getFields()) {
      if (f.getRealContainingOneof() != null) {
        order.add(f);
      }
    }
    for (FieldDescriptor f : order) {
      GoJson.Value x = v.members().get(f.getName());
      if (x == null) {
        x = v.members().get(f.getJsonName());
      }
      if (x == null || x.kind() == GoJson.Kind.NULL) {
        continue;
      }
      if (f.isRepeated()) {
        if (x.kind() != GoJson.Kind.ARRAY) {
          throw cannot(x.goKind(), "[]json.RawMessage");
        }
        for (GoJson.Value e : x.elements()) {
          b.addRepeatedField(f, single(f, e, b));
        }
      } else {
        b.setField(f, single(f, x, b));
      }
    }
  }

  private static Object single(FieldDescriptor f, GoJson.Value x, Message.Builder parent) throws BadJson {
    switch (f.getJavaType()) {
      case MESSAGE -> {
        Message.Builder sub = parent.newBuilderForField(f);
        if (x.kind() != GoJson.Kind.NULL) {
          merge(x, sub);
        }
        return sub.build();
      }
      case STRING -> {
        if (x.kind() != GoJson.Kind.STRING) {
          throw cannot(x.goKind(), "string");
        }
        return x.text();
      }
      case BYTE_STRING -> {
        if (x.kind() != GoJson.Kind.STRING) {
          throw cannot(x.goKind(), "[]uint8");
        }
        return ByteString.copyFrom(GoBase64.decode(x.text()));
      }
      case BOOLEAN -> {
        if (x.kind() != GoJson.Kind.BOOL) {
          throw cannot(x.goKind(), "bool");
        }
        return x.raw().equals("true");
      }
      case ENUM -> {
        return enumValue(f.getEnumType(), x);
      }
      case INT, LONG -> {
        return integer(f, x);
      }
      default -> throw new BadJson("json: cannot unmarshal " + x.goKind() + " into Go value of type float64");
    }
  }

  private static EnumValueDescriptor enumValue(EnumDescriptor type, GoJson.Value x) throws BadJson {
    if (x.kind() == GoJson.Kind.STRING) {
      String raw = x.raw().substring(1, x.raw().length() - 1);
      EnumValueDescriptor e = type.findValueByName(raw);
      if (e == null) {
        throw new BadJson("unknown value " + goQuote(raw) + " for enum " + goEnumName(type));
      }
      return e;
    }
    if (x.kind() != GoJson.Kind.NUMBER) {
      throw cannot(x.goKind(), goEnumName(type));
    }
    try {
      return type.findValueByNumberCreatingIfUnknown(Integer.parseInt(x.raw()));
    } catch (NumberFormatException e) {
      throw new BadJson("json: cannot unmarshal number " + x.raw() + " into Go value of type " + goEnumName(type));
    }
  }

  /** jsonpb: a quoted number loses its quotes and is read again as JSON; then Go's integer parse. */
  private static Object integer(FieldDescriptor f, GoJson.Value x) throws BadJson {
    String goType = goIntType(f);
    GoJson.Value n = x;
    if (x.kind() == GoJson.Kind.STRING) {
      try {
        n = GoJson.unmarshal(x.raw().substring(1, x.raw().length() - 1));
      } catch (GoJson.SyntaxError e) {
        throw new BadJson(e.getMessage());
      }
    }
    if (n.kind() == GoJson.Kind.NULL) {
      return f.getDefaultValue();
    }
    if (n.kind() != GoJson.Kind.NUMBER) {
      throw cannot(n.goKind(), goType);
    }
    String lit = n.raw();
    try {
      return switch (goType) {
        case "int64" -> Long.parseLong(lit);
        case "uint64" -> {
          if (lit.startsWith("-")) {
            throw new NumberFormatException(lit);
          }
          yield Long.parseUnsignedLong(lit);
        }
        case "int32" -> Integer.parseInt(lit);
        default -> {
          if (lit.startsWith("-")) {
            throw new NumberFormatException(lit);
          }
          yield Integer.parseUnsignedInt(lit);
        }
      };
    } catch (NumberFormatException e) {
      throw new BadJson("json: cannot unmarshal number " + lit + " into Go value of type " + goType);
    }
  }

  private static String goIntType(FieldDescriptor f) {
    return switch (f.getType()) {
      case INT64, SINT64, SFIXED64 -> "int64";
      case UINT64, FIXED64 -> "uint64";
      case INT32, SINT32, SFIXED32 -> "int32";
      default -> "uint32";
    };
  }

  /** How Go names a generated enum type: package, then the enclosing messages and the enum joined by "_". */
  static String goEnumName(EnumDescriptor type) {
    StringBuilder name = new StringBuilder(type.getName());
    for (var m = type.getContainingType(); m != null; m = m.getContainingType()) {
      name.insert(0, m.getName() + "_");
    }
    String pkg = type.getFile().getPackage();
    return pkg.substring(pkg.lastIndexOf('.') + 1) + "." + name;
  }

  private static BadJson cannot(String kind, String goType) {
    return new BadJson("json: cannot unmarshal " + kind + " into Go value of type " + goType);
  }

  /** Go's %q of raw bytes (enough for enum names a client sends). */
  private static String goQuote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
