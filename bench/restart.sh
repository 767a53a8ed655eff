#!/usr/bin/env bash
# Restart time after a large history, etcd vs Ketch (issue 13: restart from a snapshot plus the log
# tail must be fast). Per system, a fresh single member started as bench/compare.sh starts it (each
# with its own snapshot defaults), 1,000,000 puts (64 clients, 256-byte values) over 100,000 keys
# with no compaction (so 1,000,000 revisions of history to index), then: stopped with SIGKILL (a
# crash: Ketch replays the log since its last snapshot, etcd its WAL since its last snapshot) and
# started again, timed from the start command until the member answers a read; then stopped with
# SIGTERM and timed again.
# Usage: bench/restart.sh [etcd|ketch|both] [PUTS, default 1000000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-both}"
puts="${2:-1000000}"
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
export ETCDCTL_API=3
ep=127.0.0.1:23790

# timed_start KIND DIR: starts the server (its pid in $pid) and sets $ms to the time until it answers.
timed_start() {
  local kind="$1" dir="$2" t0 t1
  t0=$(date +%s%N)
  pid="$(start_server "$kind" "$dir")"
  await_server || { echo "$kind did not restart" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
}

run() {
  local kind="$1" dir pid ms
  dir="$(mktemp -d /tmp/ketch-restart-bench.XXXXXX)"
  pid="$(start_server "$kind" "$dir")"
  await_server || { echo "$kind did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  echo "== $kind"
  "$root/bin/ketch-bench" --endpoints=$ep --conns=8 --clients=64 --total="$puts" --warmup=0 --val-size=256 \
    --key-space=100000 put | grep throughput
  echo "  data dir: $(du -sh "$dir/data" | cut -f1)"
  kill -9 "$pid"; sleep 1
  timed_start "$kind" "$dir"
  echo "  restart after SIGKILL: $ms ms to the first answered read"
  kill "$pid"
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  timed_start "$kind" "$dir"
  echo "  restart after SIGTERM: $ms ms to the first answered read"
  stop_server "$pid" "$dir"
}

each_system "$which" run
