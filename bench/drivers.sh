#!/usr/bin/env bash
# Compares Java client libraries on one server: the same ketch-bench loads driven through
# ketch-client and through jetcd, against a server started fresh for each run (Ketch by default,
# or etcd), drivers alternating run by run.
# Usage: bench/drivers.sh [rounds] [ketch|etcd]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
server="${2:-ketch}"
(cd "$root" && ./mvnw -q -B -DskipTests package) >&2
export KETCH_NO_BUILD=1 # built just now: bin/ketch must not rebuild mid-run
# shellcheck source=bench/servers.sh
. "$root/bench/servers.sh"

loads=(
  "--conns=4 --clients=64 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=4 --clients=64 --total=100000 --warmup=60000 range"
  "--conns=4 --clients=64 --total=100000 --warmup=60000 --consistency=s range"
  "--conns=4 --clients=16 --total=5000 --warmup=2000 --watchers=1000 watch"
)
for load in "${loads[@]}"; do
  for r in $(seq "$rounds"); do
    for driver in ketch-client jetcd; do
      dir="$(mktemp -d /tmp/ketch-bench.XXXXXX)"
      pid="$(start_server "$server" "$dir")"
      await_server || echo "  (server not ready after 20 s)"
      echo "== $server round $r: ketch-bench --driver=$driver $load"
      # shellcheck disable=SC2086
      bench --driver="$driver" $load || true
      stop_server "$pid" "$dir"
    done
  done
done
