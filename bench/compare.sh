#!/usr/bin/env bash
# Runs the same ketch-bench loads against Debian's etcd and against Ketch, each started the same way
# (single member, fresh data dir under /tmp, fsync on, loopback ports), one server at a time.
# Usage: bench/compare.sh [rounds] [kv|watch|lease|all]   (prints one block per load, round and server)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
set_name="${2:-kv}"
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
bench() { java -jar "$root/ketch-cli/target/ketch-bench.jar" --endpoints=127.0.0.1:23790 "$@"; }

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

start_server() {
  local kind="$1" dir="$2"
  local flags=(--name bench --data-dir "$dir/data"
    --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800
    --initial-cluster bench=http://127.0.0.1:23800)
  if [ "$kind" = etcd ]; then
    /usr/bin/etcd "${flags[@]}" >"$dir/server.log" 2>&1 &
  else
    java -jar "$root/ketch-server/target/ketch-server.jar" "${flags[@]}" >"$dir/server.log" 2>&1 &
  fi
  echo $!
}

# Servers alternate round by round, so drift in the machine's speed hits both alike.
for load in "${loads[@]}"; do
  for r in $(seq "$rounds"); do
    for kind in etcd ketch; do
      dir="$(mktemp -d /tmp/ketch-bench.XXXXXX)"
      pid="$(start_server "$kind" "$dir")"
      for _ in $(seq 100); do
        ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:23790 --dial-timeout=1s get ready >/dev/null 2>&1 && break
        sleep 0.2
      done
      echo "== $kind round $r: ketch-bench $load"
      # shellcheck disable=SC2086
      bench $load || true
      echo "  server cpu: $(awk '{printf "%.2f s", ($14+$15)/100}' "/proc/$pid/stat" 2>/dev/null || echo "? (server gone)") (since start)"
      kill "$pid"; wait "$pid" 2>/dev/null || true
      rm -rf "$dir"
    done
  done
done
