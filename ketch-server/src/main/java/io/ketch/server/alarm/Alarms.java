package io.ketch.server.alarm;

import com.google.protobuf.InvalidProtocolBufferException;
import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.Schema;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The replicated alarms (etcd's alarm store): which member raised which alarm, kept in the
 * {@code alarm} bucket as etcd keeps it (key: the marshaled {@link AlarmMember}, empty value) and in
 * memory. Alarm requests are applied through the log, so every member raises, clears and lists the
 * same alarms at the same point; while a NOSPACE alarm is raised, requests that grow the store are
 * refused at apply ({@link #capped}).
 *
 * <p>Changed on the apply thread only; read from any thread.
 */
public final class Alarms {
  private static final Comparator<AlarmMember> ORDER = Comparator
      .comparingInt(AlarmMember::getAlarmValue)
      .thenComparing(AlarmMember::getMemberID, Long::compareUnsigned);
  private final ConcurrentSkipListSet<AlarmMember> raised = new ConcurrentSkipListSet<>(ORDER);

  private Alarms() {}

  /** The alarms stored in {@code backend}. */
  public static Alarms load(Backend backend) {
    Alarms a = new Alarms();
    a.reload(backend);
    return a;
  }

  /** Reads the alarms again from {@code backend}, whose content a Raft snapshot replaced. Apply thread. */
  public void reload(Backend backend) {
    List<AlarmMember> stored = new java.util.ArrayList<>();
    backend.scan(Schema.ALARM, new byte[0], null, (key, value) -> {
      try {
        stored.add(AlarmMember.parseFrom(key));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt alarm record in the backend", e);
      }
      return true;
    });
    raised.retainAll(stored);
    raised.addAll(stored);
  }

  /**
   * Applies an alarm request as etcd does: GET lists the alarms of a type (all for NONE); ACTIVATE
   * raises one (NONE is ignored) and answers it, also when it was raised already; DEACTIVATE clears
   * one and answers it, or answers nothing if it was not raised. The response has no header yet.
   */
  public AlarmResponse apply(Backend.Batch writes, AlarmRequest r) {
    AlarmResponse.Builder resp = AlarmResponse.newBuilder();
    AlarmMember m = AlarmMember.newBuilder().setMemberID(r.getMemberID()).setAlarm(r.getAlarm()).build();
    switch (r.getAction()) {
      case GET -> resp.addAllAlarms(list(r.getAlarm()));
      case ACTIVATE -> {
        if (r.getAlarm() != AlarmType.NONE) {
          if (raised.add(m)) {
            writes.put(Schema.ALARM, m.toByteArray(), new byte[0]);
          }
          resp.addAlarms(m);
        }
      }
      case DEACTIVATE -> {
        if (raised.remove(m)) {
          writes.delete(Schema.ALARM, m.toByteArray());
          resp.addAlarms(m);
        }
      }
      default -> { } // an action etcd does not know: nothing happens
    }
    return resp.build();
  }

  /** The raised alarms of {@code type} (every alarm for NONE), by type then member. */
  public List<AlarmMember> list(AlarmType type) {
    List<AlarmMember> out = new ArrayList<>();
    for (AlarmMember m : raised) {
      if (type == AlarmType.NONE || m.getAlarm() == type) {
        out.add(m);
      }
    }
    return out;
  }

  /** Whether a CORRUPT alarm is raised: requests through the log are refused. */
  public boolean corrupt() {
    for (AlarmMember m : raised) {
      if (m.getAlarm() == AlarmType.CORRUPT) {
        return true;
      }
    }
    return false;
  }

  /** Whether a NOSPACE alarm is raised: requests that grow the store are refused. */
  public boolean capped() {
    for (AlarmMember m : raised) {
      if (m.getAlarm() == AlarmType.NOSPACE) {
        return true;
      }
    }
    return false;
  }
}
