package io.ketch.server.apply;

/** What the applier needs of the lessor: whether a lease exists (to attach keys to it). */
@FunctionalInterface
public interface LeaseLookup {
  boolean exists(long leaseId);
}
