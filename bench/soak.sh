#!/usr/bin/env bash
# Bounded resources under sustained writes, etcd vs Ketch (issue 13): per system, a fresh single
# member started as bench/compare.sh starts it (each with its own defaults: etcd 3.4 snapshots every
# 100,000 entries, Ketch every 10,000), then ROUNDS rounds of 100,000 puts (64 clients, 256-byte
# values) over a fixed set of 100,000 keys, each followed by a physical compaction at the latest
# revision. After every round it prints the member's RSS and its disk: the database (etcd:
# member/snap/db; Ketch: member/db) and the Raft log and snapshots (etcd: member/wal and the .snap
# files; Ketch: member/raft). Bounded means these stop growing once the key set is written.
# Usage: bench/soak.sh [etcd|ketch|both] [ROUNDS, default 20 = 2,000,000 puts]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-both}"
rounds="${2:-20}"
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
scratch="$(mktemp -d /tmp/ketch-soak.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
cp -r "$root/ketch-server/target/ketch-server.jar" "$root/ketch-server/target/lib" "$scratch/"
export KETCH_JAR="$scratch/ketch-server.jar" # a build during the soak cannot change the server under test
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
export ETCDCTL_API=3
ep=127.0.0.1:23790

mb() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
bytes() { du -sb "$@" 2>/dev/null | awk '{ s += $1 } END { print s + 0 }'; }

run() {
  local kind="$1" dir pid
  dir="$(mktemp -d /tmp/ketch-soak-data.XXXXXX)"
  pid="$(start_server "$kind" "$dir")"
  await_server || { echo "$kind did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  echo "== $kind (pid $pid)"
  printf '%6s %10s %8s %9s %9s %9s %8s\n' round puts rss_mb db_mb log_mb total_mb puts/s
  local r t0 t1 rev db log rss m="$dir/data/member"
  for r in $(seq 1 "$rounds"); do
    t0=$(date +%s%N)
    "$root/bin/ketch-bench" --endpoints=$ep --conns=8 --clients=64 --total=100000 --warmup=0 --val-size=256 \
      --key-space=100000 put >"$dir/round.txt"
    t1=$(date +%s%N)
    rev="$(etcdctl --endpoints=$ep get k -w json | grep -o '"revision":[0-9]*' | cut -d: -f2)"
    etcdctl --endpoints=$ep --command-timeout=120s compaction --physical "$rev" >/dev/null
    if [ "$kind" = etcd ]; then
      db="$(bytes "$m/snap/db")"
      log="$(( $(bytes "$m/wal") + $(bytes "$m"/snap/*.snap) ))"
    else
      db="$(bytes "$m/db")"
      log="$(bytes "$m/raft")"
    fi
    rss="$(awk '/^VmRSS/ { print $2 * 1024 }' "/proc/$pid/status")"
    printf '%6d %10d %8s %9s %9s %9s %8d\n' "$r" $((r * 100000)) "$(mb "$rss")" "$(mb "$db")" "$(mb "$log")" \
      "$(mb $((db + log)))" $((100000 * 1000000000 / (t1 - t0)))
  done
  stop_server "$pid" "$dir"
}

each_system "$which" run
