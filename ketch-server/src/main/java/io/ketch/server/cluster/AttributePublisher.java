package io.ketch.server.cluster;

import io.ketch.server.cluster.proto.MemberChange;
import io.ketch.server.cluster.proto.MemberRecord;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's publish: once the member serves, its name and client URLs go through the log into its
 * record in the member table (a member added with etcdctl member add is "unstarted" until then),
 * and again whenever they differ from the record (a restart with other flags). Tried again every
 * second until applied.
 */
public final class AttributePublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AttributePublisher.class);

  private final Membership membership;
  private final MemberRecord attributes;
  private final ClusterAdmin.Proposals proposals;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "ketch-publish");
    t.setDaemon(true);
    return t;
  });

  public AttributePublisher(Membership membership, long memberId, String name, List<String> clientUrls,
      ClusterAdmin.Proposals proposals) {
    this.membership = membership;
    this.attributes = MemberRecord.newBuilder().setId(memberId).setName(name).addAllClientUrls(clientUrls).build();
    this.proposals = proposals;
  }

  /** Starts publishing; checks every second. */
  public void start() {
    timer.scheduleWithFixedDelay(this::publishIfStale, 0, 1, TimeUnit.SECONDS);
  }

  private void publishIfStale() {
    MemberRecord m = membership.member(attributes.getId());
    if (m == null || (m.getName().equals(attributes.getName())
        && m.getClientUrlsList().equals(attributes.getClientUrlsList()))) {
      return; // not in the table yet (a new cluster's table is on its way), or up to date
    }
    if (!inFlight.compareAndSet(false, true)) {
      return;
    }
    proposals.propose(MemberChange.newBuilder().setPublish(attributes).build()).whenComplete((r, err) -> {
      inFlight.set(false);
      if (err != null) {
        LOG.info("event=publish-not-applied-yet error={}", err.toString());
      } else {
        LOG.info("event=published name={} client_urls={}", attributes.getName(), attributes.getClientUrlsList());
      }
    });
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
