#!/usr/bin/env bash
# etcd's JSON gateway against Ketch's: the same ketch-bench loads with --driver=http (POST /v3/kv/put and
# /v3/kv/range over HTTP/1.1 keep-alive connections, one per client in flight), servers started as
# bench/compare.sh starts them and alternating round by round.
# Usage: bench/http.sh [rounds]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
export KETCH_NO_BUILD=1
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"
loads=(
  "--driver=http --conns=64 --clients=64 --total=50000 --warmup=60000 --val-size=256 put"
  "--driver=http --conns=64 --clients=64 --total=100000 --warmup=60000 range"
)
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
