package io.ketch.client.naming;

/**
 * A change of a service's endpoints, as clientv3's {@code endpoints.Update}.
 *
 * @param op whether the endpoint was added (or changed) or deleted
 * @param key the endpoint's key, {@code <service>/<address>}
 * @param endpoint the endpoint (for a delete: null)
 */
public record EndpointUpdate(Op op, String key, Endpoint endpoint) {
  /** What happened to the endpoint. */
  public enum Op {
    /** The endpoint was added or changed. */
    ADD,
    /** The endpoint was deleted. */
    DELETE
  }
}
