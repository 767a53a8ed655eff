package io.ketch.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ketch.api.etcdserverpb.AlarmMember;
import io.ketch.api.etcdserverpb.AlarmRequest;
import io.ketch.api.etcdserverpb.AlarmRequest.AlarmAction;
import io.ketch.api.etcdserverpb.AlarmResponse;
import io.ketch.api.etcdserverpb.AlarmType;
import io.ketch.server.storage.Backend;
import io.ketch.server.storage.RocksBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alarm store answers as etcd's does, persists what it raises, and caps writes on NOSPACE only. */
class AlarmsTest {
  @TempDir
  Path dir;

  private static AlarmResponse apply(Backend be, Alarms alarms, AlarmAction action, long member, AlarmType type) {
    try (Backend.Batch b = be.newBatch()) {
      AlarmResponse r = alarms.apply(b, AlarmRequest.newBuilder().setAction(action).setMemberID(member).setAlarm(type)
          .build());
      be.commit(b);
      return r;
    }
  }

  private static AlarmMember m(long member, AlarmType type) {
    return AlarmMember.newBuilder().setMemberID(member).setAlarm(type).build();
  }

  @Test
  void activateDeactivateAndGetAnswerAsEtcd() {
    try (RocksBackend be = RocksBackend.open(dir)) {
      Alarms alarms = Alarms.load(be);
      assertEquals(List.of(), apply(be, alarms, AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList());
      // NONE cannot be raised
      assertEquals(List.of(), apply(be, alarms, AlarmAction.ACTIVATE, 7, AlarmType.NONE).getAlarmsList());
      assertFalse(alarms.capped());

      assertEquals(List.of(m(7, AlarmType.NOSPACE)),
          apply(be, alarms, AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE).getAlarmsList());
      // raising it again answers it again, once
      assertEquals(List.of(m(7, AlarmType.NOSPACE)),
          apply(be, alarms, AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE).getAlarmsList());
      apply(be, alarms, AlarmAction.ACTIVATE, -1L, AlarmType.CORRUPT); // an ID above 2^63
      apply(be, alarms, AlarmAction.ACTIVATE, 3, AlarmType.NOSPACE);
      assertTrue(alarms.capped());
      assertEquals(List.of(m(3, AlarmType.NOSPACE), m(7, AlarmType.NOSPACE), m(-1L, AlarmType.CORRUPT)),
          apply(be, alarms, AlarmAction.GET, 0, AlarmType.NONE).getAlarmsList());
      assertEquals(List.of(m(-1L, AlarmType.CORRUPT)),
          apply(be, alarms, AlarmAction.GET, 0, AlarmType.CORRUPT).getAlarmsList());

      // clearing one that is not raised answers nothing
      assertEquals(List.of(), apply(be, alarms, AlarmAction.DEACTIVATE, 9, AlarmType.NOSPACE).getAlarmsList());
      assertEquals(List.of(m(7, AlarmType.NOSPACE)),
          apply(be, alarms, AlarmAction.DEACTIVATE, 7, AlarmType.NOSPACE).getAlarmsList());
      assertTrue(alarms.capped(), "member 3's NOSPACE is still raised");
      apply(be, alarms, AlarmAction.DEACTIVATE, 3, AlarmType.NOSPACE);
      assertFalse(alarms.capped(), "a CORRUPT alarm alone does not cap writes");
    }
  }

  @Test
  void raisedAlarmsSurviveARestart() {
    try (RocksBackend be = RocksBackend.open(dir)) {
      Alarms alarms = Alarms.load(be);
      apply(be, alarms, AlarmAction.ACTIVATE, 7, AlarmType.NOSPACE);
      apply(be, alarms, AlarmAction.ACTIVATE, 8, AlarmType.NOSPACE);
      apply(be, alarms, AlarmAction.DEACTIVATE, 8, AlarmType.NOSPACE);
    }
    try (RocksBackend be = RocksBackend.open(dir)) {
      Alarms alarms = Alarms.load(be);
      assertTrue(alarms.capped());
      assertEquals(List.of(m(7, AlarmType.NOSPACE)), alarms.list(AlarmType.NONE));
    }
  }
}
