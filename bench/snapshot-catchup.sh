#!/usr/bin/env bash
# Catch-up of a member that missed about 1 GiB of writes, etcd vs Ketch (issue 13: a member behind
# the leader's purged log installs the leader's snapshot, then the log tail). Per system: a 3-member
# cluster started as bench/cluster.sh starts it (each with its own snapshot defaults: etcd 3.4 every
# 100,000 entries, Ketch every 10,000), m3 killed, PUTS puts (64 clients, VAL-byte random values,
# each key written once) through m1 and m2, then m3 started again and timed from its start command
# until it is within 5 entries of the leader's index (bench/cluster.sh's cluster_await).
# Usage: bench/snapshot-catchup.sh [etcd|ketch|both] [PUTS, default 1000000] [VAL, default 1024]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-both}"
puts="${2:-1000000}"
val="${3:-1024}"
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
# shellcheck source=bench/cluster.sh
. "$root/bench/cluster.sh"
trap cluster_cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM

run() {
  local kind="$1" dir t0 t1
  dir="$(mktemp -d /tmp/ketch-catchup-bench.XXXXXX)"
  cluster_start "$kind" "$dir"
  cluster_await 90
  echo "== $kind"
  cluster_kill_member 3
  "$root/bin/ketch-bench" --endpoints=127.0.0.1:23791,127.0.0.1:23792 --conns=8 --clients=64 --total="$puts" \
    --warmup=0 --val-size="$val" --key-space="$puts" --key-order=sequential put | grep throughput
  echo "  leader's data dir: $(du -sh "$dir/m1" | cut -f1), m3's before: $(du -sh "$dir/m3" | cut -f1)"
  t0=$(date +%s%N)
  cluster_restart_member 3
  cluster_await 900
  t1=$(date +%s%N)
  echo "  m3 caught up in $(( (t1 - t0) / 1000000 )) ms (start command to within 5 entries of the leader)"
  echo "  m3's data dir after: $(du -sh "$dir/m3" | cut -f1)"
  if [ "$kind" = ketch ]; then
    { grep -o 'event=snapshot-fetched.*' "$dir/m3.log" || true; } | tail -1 | sed 's/^/  /'
    { grep -o 'event=snapshot-loaded.*' "$dir/m3.log" || true; } | tail -1 | sed 's/^/  /'
  else
    { grep -o '"msg":"[^"]*snapshot[^"]*"' "$dir/m3.log" || true; } | sort | uniq -c | sed 's/^/  /'
  fi
  cluster_stop
  rm -rf "$dir"
}

each_system "$which" run
