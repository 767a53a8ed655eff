#!/usr/bin/env bash
# Runs the same ketch-bench KV loads against a 3-member etcd cluster and a 3-member Ketch cluster,
# each started the same way (bench/cluster.sh: fresh data dirs under /tmp, fsync on, loopback), one
# cluster at a time, a fresh cluster per run. The tool's 9 connections go to the three members in
# turn (connection i to member i % 3), so every member serves clients: puts through followers are
# forwarded to the leader, linearizable ranges on followers wait for the leader's read index.
# Usage: bench/compare-cluster.sh [rounds] [extra ketch-bench flags...]
#   (prints one block per load, round and system; extra flags come after each load's own and so
#   override them, e.g. `bench/compare-cluster.sh 1 --total=2000 --warmup=1000` for a quick check)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds="${1:-3}"
shift $(($# > 0 ? 1 : 0))
extra=("$@")
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1 # built just now: bin/ketch must not rebuild mid-run
# shellcheck source=bench/cluster.sh
. "$root/bench/cluster.sh"
trap cluster_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# As bench/compare.sh's KV loads (each warms up with 60k requests first; etcd gets the same), with
# 9 connections instead of 8 so each member gets 3.
loads=(
  "--conns=9 --clients=64 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=9 --clients=256 --total=50000 --warmup=60000 --val-size=256 put"
  "--conns=9 --clients=64 --total=100000 --warmup=60000 range"
  "--conns=9 --clients=64 --total=100000 --warmup=60000 --consistency=s range"
)

# Systems alternate round by round, so drift in the machine's speed hits both alike.
for load in "${loads[@]}"; do
  for r in $(seq "$rounds"); do
    for kind in etcd ketch; do
      cluster_start "$kind" "$(mktemp -d /tmp/ketch-cluster-bench.XXXXXX)"
      cluster_await || echo "  (cluster not ready after 90 s)"
      echo "== $kind cluster round $r: ketch-bench --endpoints=$CLUSTER_ENDPOINTS $load ${extra[*]}"
      echo "  leader: m$(cluster_leader || echo '?')"
      # shellcheck disable=SC2086
      cluster_run "$root/bin/ketch-bench" --endpoints="$CLUSTER_ENDPOINTS" $load "${extra[@]}" || true
      cluster_stop
    done
  done
done
