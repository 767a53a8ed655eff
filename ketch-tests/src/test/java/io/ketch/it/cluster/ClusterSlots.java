package io.ketch.it.cluster;

import io.ketch.it.Endpoint;

/**
 * A multi-process test cluster seen through its slots, etcd's or Ketch's alike: slot {@code i} is
 * member {@code m<i>}, with a client and a peer port of its own fixed in advance, so members the
 * test adds later are wired already. All URLs name 127.0.0.1.
 */
interface ClusterSlots extends AutoCloseable {
  /** "etcd" or "ketch", for messages. */
  String label();

  /** The peer URL of slot {@code slot}: {@code http://127.0.0.1:<peer port>}. */
  String peerUrl(int slot);

  int peerPort(int slot);

  int clientPort(int slot);

  /** The client URL of slot {@code slot}: {@code http://127.0.0.1:<client port>}. */
  default String clientUrl(int slot) {
    return "http://127.0.0.1:" + clientPort(slot);
  }

  /** Slot {@code slot}'s client address, for gRPC. */
  Endpoint endpoint(int slot);

  /**
   * Starts a member in slot {@code slot} that joins the running cluster (which has added it) with
   * {@code --initial-cluster <initialCluster> --initial-cluster-state existing}; does not wait.
   */
  void startJoiner(int slot, String initialCluster);

  /** Whether slot {@code slot}'s process runs. */
  boolean running(int slot);

  /** Waits up to {@code seconds} for slot {@code slot}'s process to end: its exit code, or -1 if it runs on. */
  int awaitExit(int slot, long seconds);

  /** The last lines slot {@code slot}'s member logged (for failure messages). */
  String logTail(int slot, int lines);

  /** Stops every member and deletes their data. */
  @Override
  void close();
}
