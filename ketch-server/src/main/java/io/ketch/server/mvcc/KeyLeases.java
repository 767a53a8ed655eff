package io.ketch.server.mvcc;

/**
 * Hears which lease each live key is attached to (the lessor keeps the reverse map to revoke a
 * lease's keys). Called on the apply thread for every change, and for every stored revision in
 * revision order while the store is restored.
 */
public interface KeyLeases {
  /** {@code key} was written with {@code lease} (0: no lease), replacing any earlier attachment. */
  void put(byte[] key, long lease);

  /** {@code key} was deleted: it is attached to no lease any more. */
  void deleted(byte[] key);

  /** For stores without leases (tests). */
  KeyLeases NONE = new KeyLeases() {
    @Override
    public void put(byte[] key, long lease) {}

    @Override
    public void deleted(byte[] key) {}
  };
}
