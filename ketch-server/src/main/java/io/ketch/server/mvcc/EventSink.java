package io.ketch.server.mvcc;

import io.ketch.api.mvccpb.Event;
import java.util.List;

/** Hears about changes once they are published (committed to the backend and visible to reads). */
@FunctionalInterface
public interface EventSink {
  /**
   * Called on the apply thread after each publish that changed something; must not block.
   *
   * @param rev the store revision now published
   * @param events every change since the previous call, in revision order; events of one revision
   *     are adjacent. PUT events carry the stored key-value, DELETE events the key and the deletion's
   *     revision as {@code mod_revision}, as etcd's watch events do.
   */
  void published(long rev, List<Event> events);

  /**
   * The whole store was replaced (a Raft snapshot installed from the leader) and is now at {@code
   * rev}: events between the last published batch and {@code rev} are only in the new history.
   * Called on the apply thread; must not block.
   */
  default void replaced(long rev) {}
}
