package io.ketch.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An etcdctl 3.4 auth session run against etcd and against Ketch, each fresh: users, roles and
 * permissions (a key, a prefix, from a key) in simple and json output with every refusal etcd gives
 * (duplicates, unknown names, enabling without a root role, root's protections), then with auth
 * enabled the same KV commands as root, as a user with some permissions and with none, with a
 * wrong password and without a user, a revoked permission taking effect, and auth disabled again.
 * Every command must print the same and exit the same.
 */
class EtcdctlAuthConformanceTest {
  private static final String ROOT = "--user=root:rootpw";
  private static final String ALICE = "--user=alice:apw";

  private static List<String[]> session() {
    List<String[]> s = new ArrayList<>();
    s.add(a("user", "add", "root:rootpw"));
    s.add(a("user", "add", "alice:apw"));
    s.add(a("user", "add", "alice:again"));
    s.add(a("user", "add", "bob", "--no-password"));
    s.add(a("role", "add", "reader"));
    s.add(a("role", "add", "reader"));
    s.add(a("role", "grant-permission", "reader", "read", "/a"));
    s.add(a("role", "grant-permission", "reader", "--prefix=true", "readwrite", "/p/"));
    s.add(a("role", "grant-permission", "reader", "--from-key", "write", "/z"));
    s.add(a("role", "grant-permission", "reader", "write", "/a"));
    s.add(a("role", "grant-permission", "nobody", "read", "/a"));
    for (String w : List.of("simple", "json")) {
      s.add(a("role", "get", "reader", "-w", w));
      s.add(a("user", "get", "alice", "-w", w));
      s.add(a("user", "list", "-w", w));
      s.add(a("role", "list", "-w", w));
    }
    s.add(a("user", "grant-role", "alice", "reader"));
    s.add(a("user", "grant-role", "alice", "reader"));
    s.add(a("user", "grant-role", "alice", "nope"));
    s.add(a("user", "grant-role", "nobody", "reader"));
    s.add(a("user", "get", "alice", "--detail"));
    s.add(a("user", "get", "nobody"));
    s.add(a("role", "get", "nobody"));
    s.add(a("auth", "enable"));
    s.add(a("user", "grant-role", "root", "root"));
    s.add(a("role", "add", "root"));
    s.add(a("user", "grant-role", "root", "root"));
    s.add(a("auth", "enable"));
    s.add(a("auth", "enable", ROOT));
    // with auth on: KV as nobody, root, alice
    s.add(a("put", "/a", "1"));
    s.add(a("get", "/a"));
    s.add(a(ROOT, "put", "/a", "1"));
    s.add(a(ROOT, "put", "/b", "1"));
    s.add(a(ALICE, "get", "/a"));
    s.add(a(ALICE, "put", "/a", "2"));
    s.add(a(ALICE, "put", "/p/x", "2"));
    s.add(a(ALICE, "put", "/p/x", "3", "--prev-kv"));
    s.add(a(ALICE, "put", "/z/1", "4", "--prev-kv"));
    s.add(a(ALICE, "put", "/zz", "4"));
    s.add(a(ALICE, "get", "/p/", "--prefix"));
    s.add(a(ALICE, "get", "/p/", "--prefix", "-w", "json"));
    s.add(a(ALICE, "get", "/b"));
    s.add(a(ALICE, "get", "", "--from-key"));
    s.add(a(ALICE, "del", "/p/x"));
    s.add(a(ALICE, "del", "/a"));
    s.add(a(ALICE, "del", "/z", "--from-key"));
    s.add(a("--user=alice:wrong", "get", "/a"));
    s.add(a("--user=nobody:pw", "get", "/a"));
    s.add(a("--user=bob:pw", "get", "/a"));
    s.add(a(ALICE, "user", "list"));
    s.add(a(ALICE, "user", "get", "alice"));
    s.add(a(ALICE, "user", "get", "root"));
    s.add(a(ALICE, "role", "get", "reader"));
    s.add(a(ALICE, "role", "get", "root"));
    s.add(a(ALICE, "role", "add", "mine"));
    s.add(a(ALICE, "user", "add", "eve:pw"));
    s.add(a(ALICE, "auth", "disable"));
    s.add(a(ROOT, "user", "revoke-role", "root", "root"));
    s.add(a(ROOT, "user", "delete", "root"));
    s.add(a(ROOT, "role", "delete", "root"));
    s.add(a(ROOT, "user", "revoke-role", "alice", "nope"));
    s.add(a(ROOT, "role", "revoke-permission", "reader", "/a"));
    s.add(a(ROOT, "role", "revoke-permission", "reader", "/nothere"));
    s.add(a(ALICE, "get", "/a"));
    s.add(a(ROOT, "user", "passwd", "alice", "--interactive=false"));
    s.add(a(ALICE, "get", "/p/", "--prefix"));
    s.add(a("--user=alice:newpw", "get", "/p/", "--prefix"));
    s.add(a(ROOT, "user", "revoke-role", "alice", "reader"));
    s.add(a("--user=alice:newpw", "get", "/p/", "--prefix"));
    s.add(a(ROOT, "role", "delete", "reader"));
    s.add(a(ROOT, "user", "get", "alice"));
    s.add(a(ROOT, "auth", "disable"));
    s.add(a("auth", "disable"));
    s.add(a("get", "", "--from-key"));
    s.add(a("user", "delete", "alice"));
    s.add(a("user", "delete", "alice"));
    s.add(a("user", "list"));
    s.add(a("role", "list"));
    return s;
  }

  private static String[] a(String... args) {
    return args;
  }

  @Test
  void authSessionPrintsWhatEtcdPrints() {
    try (EtcdOracle etcd = new EtcdOracle(); KetchNode ketch = new KetchNode()) {
      int i = 0;
      for (String[] args : session()) {
        i++;
        // `user passwd` reads the new password from stdin
        String stdin = args.length > 2 && args[1].equals("user") && args[2].equals("passwd") ? "newpw\n" : "";
        String expected = Etcdctl.run(etcd, stdin, args);
        String actual = Etcdctl.run(ketch, stdin, args);
        if (i == 1) {
          assertTrue(expected.startsWith("exit=0\n--stdout--\nUser root created"), "the oracle answered: " + expected);
        }
        assertEquals(expected, actual, "command #" + i + ": etcdctl " + String.join(" ", args));
      }
    }
  }
}
