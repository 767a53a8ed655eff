#!/usr/bin/env bash
# Ketch against Ketch: the same ketch-bench loads on a baseline build (another checkout, built) and on
# this one, servers alternating round by round, each started as bench/compare.sh starts them. For a
# change that must not cost throughput (e.g. HTTP on the client port: gRPC within 5%).
# Usage: bench/ab.sh <baseline-checkout> [rounds]   e.g. git worktree add /tmp/base <commit> && (cd /tmp/base && ./mvnw -q -DskipTests package)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$(cd "$1" && pwd)"
rounds="${2:-3}"
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
export KETCH_NO_BUILD=1
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
loads=(
  "--conns=8 --clients=64 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=8 --clients=64 --total=100000 --warmup=60000 range"
)
for load in "${loads[@]}"; do
  for r in $(seq "$rounds"); do
    for side in base head; do
      dir="$(mktemp -d /tmp/ketch-bench.XXXXXX)"
      if [ "$side" = base ]; then pid="$(root="$base" start_server ketch "$dir")"; else pid="$(start_server ketch "$dir")"; fi
      await_server || echo "  (server not ready after 20 s)"
      echo "== $side round $r: ketch-bench $load"
      # shellcheck disable=SC2086
      bench $load || true
      stop_server "$pid" "$dir"
    done
  done
done
