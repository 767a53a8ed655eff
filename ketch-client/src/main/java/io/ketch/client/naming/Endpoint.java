package io.ketch.client.naming;

import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Objects;

/**
 * One instance of a service, as clientv3's {@code naming/endpoints.Endpoint}: its address
 * ({@code host:port}) and optional metadata (any JSON). Stored as the JSON
 * {@code {"Addr":"...","Metadata":...}}, so Go services and Java services can find each other.
 *
 * @param address the instance's address, {@code host:port}
 * @param metadataJson the metadata as JSON text, or null for none
 */
public record Endpoint(String address, String metadataJson) {
  /** Checks that there is an address. */
  public Endpoint {
    Objects.requireNonNull(address, "address");
  }

  /** An endpoint without metadata. */
  public static Endpoint of(String address) {
    return new Endpoint(address, null);
  }

  /** The stored JSON form. */
  public String toJson() {
    JsonObject o = new JsonObject();
    o.addProperty("Addr", address);
    o.add("Metadata", metadataJson == null ? JsonNull.INSTANCE : JsonParser.parseString(metadataJson));
    return o.toString();
  }

  /**
   * Parses the stored JSON form (clientv3 3.5's {@code Endpoint}, or 3.4's {@code naming.Update}
   * which adds an {@code Op} field); throws {@link IllegalArgumentException} when it is not one.
   */
  public static Endpoint fromJson(String json) {
    try {
      JsonObject o = JsonParser.parseString(json).getAsJsonObject();
      JsonElement addr = o.get("Addr");
      if (addr == null || !addr.isJsonPrimitive()) {
        throw new IllegalArgumentException("no Addr in endpoint " + json);
      }
      JsonElement meta = o.get("Metadata");
      return new Endpoint(addr.getAsString(), meta == null || meta.isJsonNull() ? null : meta.toString());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not an endpoint: " + json, e);
    }
  }
}
