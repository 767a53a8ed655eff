#!/usr/bin/env bash
# Memory with 1,000,000 live keys, etcd vs Ketch (issue 13's target: Ketch's RSS no more than
# etcd's). Per system, a fresh single member started as bench/compare.sh starts it, 1,000,000 puts
# of 256-byte values to 1,000,000 distinct keys (--key-order=sequential, 64 clients), then, after
# 5 s at rest, the member's RSS, its data dir's size and the number of keys it holds.
# Usage: bench/rss-keys.sh [etcd|ketch|both] [KEYS, default 1000000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-both}"
keys="${2:-1000000}"
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
export ETCDCTL_API=3
ep=127.0.0.1:23790

run() {
  local kind="$1" dir pid
  dir="$(mktemp -d /tmp/ketch-rss-bench.XXXXXX)"
  pid="$(start_server "$kind" "$dir")"
  await_server || { echo "$kind did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  echo "== $kind"
  "$root/bin/ketch-bench" --endpoints=$ep --conns=8 --clients=64 --total="$keys" --warmup=0 --val-size=256 \
    --key-space="$keys" --key-order=sequential put | grep throughput
  sleep 5
  echo "  keys: $(etcdctl --endpoints=$ep --command-timeout=60s get "" --prefix --limit=1 -w json \
    | grep -o '"count":[0-9]*' | cut -d: -f2)"
  echo "  rss: $(awk '/^VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$pid/status")"
  echo "  data dir: $(du -sh "$dir/data" | cut -f1)"
  stop_server "$pid" "$dir"
}

each_system "$which" run
