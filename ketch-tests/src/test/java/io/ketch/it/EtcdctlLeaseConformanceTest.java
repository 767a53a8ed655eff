package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * etcdctl 3.4's lease, lock and elect commands run against etcd and against Ketch, each fresh: the
 * same sessions must print the same. Lease IDs are chosen by each server, so they are named by
 * order of appearance ({@code L1}, {@code L2}, ...; hex and decimal forms alike), and a live lease's
 * countdown is blanked. Long-running commands (keep-alive, lock holders, campaigns, observers) run
 * in the background and are compared by what they printed.
 */
class EtcdctlLeaseConformanceTest {
  private static final Pattern GRANTED = Pattern.compile("lease ([0-9a-f]+) granted");

  /** One server's session: its lease IDs by placeholder, and the transcript so far. */
  private static final class Session {
    final Endpoint endpoint;
    final Path dir;
    final Map<String, String> ids = new LinkedHashMap<>();
    final StringBuilder transcript = new StringBuilder();

    Session(Endpoint endpoint, Path dir) {
      this.endpoint = endpoint;
      this.dir = dir;
    }

    String[] expand(String... args) {
      String[] out = new String[args.length];
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        for (Map.Entry<String, String> e : ids.entrySet()) {
          a = a.replace("{" + e.getKey() + "}", e.getValue());
        }
        out[i] = a;
      }
      return out;
    }

    /** Runs a command; a {@code lease grant} names the granted lease {@code L<n>}. */
    String run(String... args) {
      String out = Etcdctl.run(endpoint, "", expand(args));
      Matcher m = GRANTED.matcher(out);
      if (args[0].equals("lease") && args[1].equals("grant") && m.find()) {
        ids.put("L" + (ids.size() + 1), m.group(1));
      }
      String n = blank(out);
      transcript.append("$ etcdctl ").append(String.join(" ", args)).append('\n').append(n);
      return n;
    }

    /** Lease IDs replaced by their names; TTL countdowns blanked. */
    String blank(String s) {
      for (Map.Entry<String, String> e : ids.entrySet()) {
        long id = Long.parseUnsignedLong(e.getValue(), 16);
        s = s.replace(e.getValue(), e.getKey()).replace(Long.toString(id), e.getKey());
      }
      s = s.replaceAll("remaining\\(\\d+s\\)", "remaining(Ns)").replaceAll("\"ttl\":\\d+", "\"ttl\":N");
      s = sortList(s, ATTACHED_KEYS, " ");
      return sortList(s, JSON_KEYS, ",");
    }
  }

  /** etcd lists a lease's keys in Go map order (random); both servers' lists are sorted. */
  private static final Pattern ATTACHED_KEYS = Pattern.compile("attached keys\\(\\[([^\\]]*)\\]\\)");
  private static final Pattern JSON_KEYS = Pattern.compile("\"keys\":\\[([^\\]]*)\\]");

  private static String sortList(String s, Pattern list, String separator) {
    Matcher m = list.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      List<String> items = new ArrayList<>(List.of(m.group(1).split(Pattern.quote(separator))));
      Collections.sort(items);
      String sorted = m.group(0).replace(m.group(1), String.join(separator, items));
      m.appendReplacement(out, Matcher.quoteReplacement(sorted));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static void leaseSession(Session s) throws Exception {
    s.run("lease", "grant", "600");
    s.run("lease", "grant", "300");
    s.run("put", "--lease={L1}", "a", "1");
    s.run("put", "--lease={L1}", "b", "2");
    s.run("put", "--lease={L2}", "c", "3");
    s.run("lease", "timetolive", "{L1}");
    s.run("lease", "timetolive", "--keys", "{L1}");
    s.run("lease", "timetolive", "--keys", "{L1}", "-w", "json");
    s.run("lease", "list");
    s.run("lease", "list", "-w", "json");
    s.run("lease", "keep-alive", "--once", "{L1}");
    s.run("lease", "keep-alive", "--once", "{L1}", "-w", "json");
    s.run("lease", "revoke", "{L2}");
    s.run("lease", "revoke", "{L2}");
    s.run("lease", "timetolive", "{L2}");
    s.run("lease", "keep-alive", "--once", "{L2}");
    s.run("get", "c");
    s.run("lease", "grant", "9000000001");
    s.run("put", "--lease=1234abcd", "d", "4");

    // keep-alive until the lease is revoked from elsewhere: etcdctl then says so and exits
    s.run("lease", "grant", "2");
    Path out = s.dir.resolve("keepalive-" + s.endpoint.name() + ".out");
    Process ka = Etcdctl.start(s.endpoint, out, s.expand("lease", "keep-alive", "{L3}"));
    Thread.sleep(3500);
    s.run("lease", "timetolive", "{L3}");
    s.run("lease", "revoke", "{L3}");
    ka.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
    s.transcript.append("keep-alive printed (distinct lines): ")
        .append(new TreeSet<>(List.of(s.blank(Etcdctl.stop(ka, out)).split("\n")))).append('\n');

    s.run("lease", "revoke", "{L1}");
    s.run("get", "", "--from-key");
  }

  @Test
  void leaseCommandsPrintWhatEtcdPrints() throws Exception {
    Path dir = TestDirs.newDir("etcdctl-lease");
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      Session expected = new Session(etcd, dir);
      leaseSession(expected);
      Session actual = new Session(ketch, dir);
      leaseSession(actual);
      if (Boolean.getBoolean("ketch.it.printTranscripts")) {
        System.out.println(expected.transcript);
      }
      assertTrue(expected.transcript.toString().contains("lease L1 granted with TTL(600s)"), expected.transcript.toString());
      assertTrue(expected.transcript.toString().contains("keepalived with TTL(2)"), expected.transcript.toString());
      assertEquals(expected.transcript.toString(), actual.transcript.toString());
    } finally {
      TestDirs.delete(dir);
    }
  }

  /**
   * {@code lock} with a command (run holding the lock), and contention: a second locker waits until
   * the holder is interrupted, then runs.
   */
  private static String lockSession(Endpoint e, Path dir) throws Exception {
    StringBuilder t = new StringBuilder();
    t.append(Etcdctl.run(e, "", "lock", "mylock", "--", "sh", "-c", "echo holding rev=$ETCD_LOCK_REV"));
    Path holderOut = dir.resolve("holder-" + e.name());
    Path waiterOut = dir.resolve("waiter-" + e.name());
    Process holder = Etcdctl.start(e, holderOut, "lock", "mylock");
    Etcdctl.awaitQuiet(holderOut, 700);
    Process waiter = Etcdctl.start(e, waiterOut, "lock", "mylock", "--", "echo", "waiter ran");
    Thread.sleep(1000);
    t.append("waiter while held: [").append(Files.readString(waiterOut)).append("]\n");
    holder.destroy(); // SIGTERM: etcdctl unlocks and exits
    waiter.waitFor(15, java.util.concurrent.TimeUnit.SECONDS);
    t.append("holder: ").append(Etcdctl.stop(holder, holderOut).replaceAll("mylock/[0-9a-f]+", "mylock/LEASE"));
    t.append("waiter: ").append(Etcdctl.stop(waiter, waiterOut));
    t.append(Etcdctl.run(e, "", "get", "mylock", "--prefix", "--keys-only"));
    return t.toString();
  }

  @Test
  void lockPrintsWhatEtcdPrints() throws Exception {
    compare("etcdctl-lock", EtcdctlLeaseConformanceTest::lockSession, "holding rev=2", "waiter ran");
  }

  /** A session of long-running commands against one server, rendered. */
  @FunctionalInterface
  private interface Background {
    String run(Endpoint e, Path dir) throws Exception;
  }

  /** Runs {@code session} on a fresh etcd, then a fresh Ketch; etcd's must show {@code expect}. */
  private static void compare(String name, Background session, String... expect) throws Exception {
    Path dir = TestDirs.newDir(name);
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      String expected = session.run(etcd, dir);
      String actual = session.run(ketch, dir);
      for (String e : expect) {
        assertTrue(expected.contains(e), "etcd's session lacks " + e + ":\n" + expected);
      }
      assertEquals(expected, actual);
    } finally {
      TestDirs.delete(dir);
    }
  }

  /** {@code elect -l} observes two campaigns in turn; the second wins once the first resigns. */
  private static String electSession(Endpoint e, Path dir) throws Exception {
    Path obs = dir.resolve("observer-" + e.name());
    Path one = dir.resolve("one-" + e.name());
    Path two = dir.resolve("two-" + e.name());
    Process observer = Etcdctl.start(e, obs, "elect", "-l", "myelection");
    Thread.sleep(500);
    Process first = Etcdctl.start(e, one, "elect", "myelection", "one");
    Etcdctl.awaitQuiet(one, 700);
    Process second = Etcdctl.start(e, two, "elect", "myelection", "two");
    Thread.sleep(1000);
    StringBuilder t = new StringBuilder();
    t.append("second while first leads: [").append(Files.readString(two)).append("]\n");
    first.destroy(); // SIGTERM: etcdctl resigns
    Etcdctl.awaitQuiet(two, 1000);
    second.destroy();
    Thread.sleep(500);
    String leases = "myelection/[0-9a-f]+";
    t.append("first: ").append(Etcdctl.stop(first, one).replaceAll(leases, "myelection/LEASE"));
    t.append("second: ").append(Etcdctl.stop(second, two).replaceAll(leases, "myelection/LEASE"));
    t.append("observer: ").append(Etcdctl.stop(observer, obs).replaceAll(leases, "myelection/LEASE"));
    return t.toString();
  }

  @Test
  void electPrintsWhatEtcdPrints() throws Exception {
    compare("etcdctl-elect", EtcdctlLeaseConformanceTest::electSession, "myelection/LEASE\none\n",
        "myelection/LEASE\ntwo\n");
  }
}
