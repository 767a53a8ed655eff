#!/usr/bin/env bash
# Defragmentation under load, etcd vs Ketch (issue 13: etcd's defrag blocks the member's reads and
# writes for its duration; Ketch's must not). Per system, on a fresh single member started as
# bench/compare.sh starts it: 300,000 puts of 1 KiB values over 10,000 keys (so ~97% of what is
# written is history), a physical compaction at the latest revision, then a put load of 64 clients
# during which `etcdctl defrag` runs (started 2 s into the load). Prints the database size before
# and after, how long defrag took, and the put load's latency percentiles and maximum: a defrag that
# blocks writes shows as a maximum (and p99.9) of about its own duration.
# Usage: bench/defrag.sh [etcd|ketch|both]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-both}"
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1 # built just now: bin/ketch must not rebuild mid-run
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
export ETCDCTL_API=3
ep=127.0.0.1:23790
bench="$root/bin/ketch-bench --endpoints=$ep"

db_size() {
  etcdctl --endpoints=$ep endpoint status -w json | grep -o '"dbSize":[0-9]*' | cut -d: -f2
}

run() {
  local kind="$1" dir pid
  dir="$(mktemp -d /tmp/ketch-defrag-bench.XXXXXX)"
  pid="$(start_server "$kind" "$dir")"
  await_server || { echo "$kind did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  echo "== $kind"
  $bench --conns=8 --clients=64 --total=300000 --warmup=0 --val-size=1024 --key-space=10000 put | grep throughput
  local rev
  rev="$(etcdctl --endpoints=$ep get k -w json | grep -o '"revision":[0-9]*' | cut -d: -f2)"
  etcdctl --endpoints=$ep compaction --physical "$rev" >/dev/null
  echo "  db size after load and compaction: $(db_size) bytes"
  $bench --conns=8 --clients=64 --total=60000 --warmup=0 --val-size=1024 --key-space=10000 put >"$dir/load.txt" &
  local load=$!
  sleep 2
  local t0 t1
  t0=$(date +%s%N)
  etcdctl --endpoints=$ep --command-timeout=120s defrag >/dev/null
  t1=$(date +%s%N)
  echo "  defrag took $(( (t1 - t0) / 1000000 )) ms"
  wait "$load"
  sed 's/^/  load during defrag: /' "$dir/load.txt" | grep -E "throughput|latency"
  echo "  db size after defrag: $(db_size) bytes"
  stop_server "$pid" "$dir"
}

each_system "$which" run
