#!/usr/bin/env bash
# Runs the same ketch-bench loads against Debian's etcd and against Ketch, each started the same way
# (single member, fresh data dir under /tmp, fsync on, loopback ports), one server at a time.
# Usage: bench/compare.sh [rounds] [kv|watch|lease|all]   (prints one block per load, round and server)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
set_name="${2:-kv}"
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
export KETCH_NO_BUILD=1 # built just now: bin/ketch must not rebuild mid-run
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"

# Each load warms up first (60k requests: the JVM's JIT needs that long to settle; etcd gets the same).
kv_loads=(
  "--conns=8 --clients=64 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=8 --clients=256 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=8 --clients=64 --total=100000 --warmup=60000 range"
  "--conns=8 --clients=64 --total=100000 --warmup=60000 --consistency=s range"
)
# Watch fan-out: every put reaches every watcher; warm-up puts deliver 5M events first.
watch_loads=(
  "--conns=4 --clients=16 --total=10000 --warmup=5000 --watchers=1000 --streams=20 watch"
  "--conns=4 --clients=16 --total=1500 --warmup=500 --watchers=10000 --streams=20 watch"
)
# Lease keepalives: 10,000 leases renewed over 10 streams (2 connections), 100 keepalives in flight.
lease_loads=(
  "--conns=2 --clients=100 --total=200000 --warmup=100000 --leases=10000 --streams=10 keepalive"
)
case "$set_name" in
  kv) loads=("${kv_loads[@]}") ;;
  watch) loads=("${watch_loads[@]}") ;;
  lease) loads=("${lease_loads[@]}") ;;
  all) loads=("${kv_loads[@]}" "${watch_loads[@]}" "${lease_loads[@]}") ;;
  *) echo "unknown load set: $set_name (kv, watch, lease or all)" >&2; exit 2 ;;
esac

# Servers alternate round by round, so drift in the machine's speed hits both alike.
for load in "${loads[@]}"; do
  for r in $(seq "$rounds"); do
    for kind in etcd ketch; do
      dir="$(mktemp -d /tmp/ketch-bench.XXXXXX)"
      pid="$(start_server "$kind" "$dir")"
      await_server || echo "  (server not ready after 20 s)"
      echo "== $kind round $r: ketch-bench $load"
      # shellcheck disable=SC2086
      bench $load || true
      stop_server "$pid" "$dir"
    done
  done
done
