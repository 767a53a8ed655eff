"""A python-etcd3 session; prints a transcript that must be the same against etcd and Ketch."""
import sys

import etcd3

host, port = sys.argv[1].rsplit(":", 1)
c = etcd3.client(host=host, port=int(port), timeout=10)
t = c.transactions


def show(label, value):
    print(label, repr(value))


c.put("py/a", "1")
c.put("py/b", "2")
v, meta = c.get("py/a")
show("get a", (v, meta.create_revision, meta.mod_revision, meta.version))
show("prefix", [(v, m.key) for v, m in c.get_prefix("py/")])
show("sorted desc", [m.key for v, m in c.get_prefix("py/", sort_order="descend")])
show("get missing", c.get("py/missing"))
ok, resp = c.transaction(
    compare=[t.value("py/a") == "1", t.version("py/b") > 0],
    success=[t.put("py/a", "3"), t.get("py/b")],
    failure=[t.delete("py/b")],
)
show("txn", (ok, len(resp)))
ok, resp = c.transaction(compare=[t.mod("py/a") < 2], success=[t.put("py/x", "no")], failure=[t.get("py/a")])
show("txn else", (ok, [(v, m.mod_revision) for v, m in resp[0]]))
show("replace", c.replace("py/a", "3", "4"))
show("replace stale", c.replace("py/a", "3", "5"))
show("delete b", c.delete("py/b"))
show("delete b again", c.delete("py/b"))
show("delete prefix", c.delete_prefix("py/").deleted)
show("compact", c.compact(2))
try:
    c.compact(2)
    show("compact again", "no error")
except Exception as e:  # etcd's compacted-revision error, as the client surfaces it
    show("compact again", (type(e).__name__, str(e)[:80]))

# watch: history from a past revision, then live events, then cancel
start = c.put("pyw/k", "1").header.revision
c.put("pyw/k", "2")
events_iter, cancel = c.watch_prefix("pyw/", start_revision=start, prev_kv=True)
c.put("pyw/j", "3")
c.delete("pyw/k")
seen = []
for ev in events_iter:
    seen.append((type(ev).__name__, ev.key, ev.value, ev.mod_revision,
                 ev.prev_value if hasattr(ev, "prev_value") else None))
    if len(seen) == 4:
        break
cancel()
show("watch", seen)

# leases and locks: python-etcd3's lease API and its client-side lock (keys under /locks/)
lease = c.lease(600, lease_id=4242)
show("lease", (lease.id, lease.granted_ttl))
c.put("pyl/a", "1", lease=lease)
c.put("pyl/b", "2", lease=lease)
show("lease keys", sorted(lease.keys))
show("refresh", [r.TTL for r in lease.refresh()])
lease.revoke()
show("after revoke", [v for v, _ in c.get_prefix("pyl/")])
lock = c.lock("pylock", ttl=60)
show("acquire", lock.acquire(timeout=5))
show("is acquired", lock.is_acquired())
other = c.lock("pylock", ttl=60)
show("release", lock.release())
show("second acquire after release", other.acquire(timeout=5))
other.release()
print("done")
