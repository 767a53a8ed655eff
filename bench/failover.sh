#!/usr/bin/env bash
# Leader failover time of a 3-member etcd cluster and a 3-member Ketch cluster, each started the same
# way (bench/cluster.sh; default --heartbeat-interval 100 ms and --election-timeout 1000 ms on both).
# Each trial is `ketch-bench failover`: it finds the leader, puts one at a time through a surviving
# member, kills the leader's process with SIGKILL and reports failover_ms, the time from the kill to
# the first acknowledged put sent after it, and leader_seen_ms, the time until a survivor's Status
# first names a new leader (the election alone). Each put has the tool's default deadline of 100 ms
# and is retried on failure: etcd does not re-propose a proposal its follower forwarded to the dead
# leader, so such a put hangs until its deadline, and with a deadline of seconds failover_ms would
# measure the deadline (with 1 s, etcd's trials read 2,033 and 2,036 ms: two lost puts, then one
# acknowledged at once). The script then restarts the killed member with the same flags and data
# dir, waits until all three answer, one leads and every member has applied to within 5 entries of
# the leader's raft index, lets the cluster settle for 2 s, and runs the next trial. At the end it
# prints min, p50, p99 and max of both figures per system (nearest rank: with fewer than 100 trials
# p99 is the maximum).
#
# The systems run one after the other (etcd's trials, then Ketch's), each on one cluster started at
# the beginning. Alternating per trial would need both clusters running side by side on the same
# cores (each disturbing the other's elections) or a fresh cluster per trial (Ketch would fail over
# on a cold JVM every time, and that measures its JIT rather than its elections); failover time is
# set mostly by the election timeout, not by CPU speed, so the machine's drift matters less here than
# for throughput.
#
# Usage: bench/failover.sh [trials=20] [both|etcd|ketch] [extra ketch-bench flags, e.g. --put-timeout=500]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
trials="${1:-20}"
case "${2:-both}" in
  both) systems=(etcd ketch) ;;
  etcd | ketch) systems=("$2") ;;
  *) echo "unknown system: $2 (both, etcd or ketch)" >&2; exit 2 ;;
esac
shift $(($# > 2 ? 2 : $#))
extra=("$@")
settle=2
(cd "$root" && ./mvnw -q -B -o -DskipTests package) >&2
export KETCH_NO_BUILD=1 # built just now: bin/ketch must not rebuild mid-run
# shellcheck source=bench/cluster.sh
. "$root/bench/cluster.sh"
scratch="$(mktemp -d /tmp/ketch-failover.XXXXXX)"
trap 'cluster_cleanup; rm -rf "$scratch"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# summarize LABEL MS...: prints min, p50, p99, max (nearest rank) of the trials' figures.
summarize() {
  local label="$1"
  shift
  if [ "$#" -eq 0 ]; then
    echo "$label: no trial"
    return
  fi
  printf '%s\n' "$@" | sort -n | awk -v label="$label" '
    { v[NR] = $1 }
    function rank(p,   i) { i = int(p / 100 * NR); if (i < p / 100 * NR) i++; return v[i < 1 ? 1 : i] }
    END { printf "%-28s %2d trials  min %5d  p50 %5d  p99 %5d  max %5d\n", label, NR, v[1], rank(50), rank(99), v[NR] }'
}

summaries=()
for kind in "${systems[@]}"; do
  echo "== $kind cluster: $trials failover trials, ketch-bench --endpoints=$CLUSTER_ENDPOINTS failover ${extra[*]}"
  cluster_start "$kind" "$(mktemp -d /tmp/ketch-cluster-failover.XXXXXX)"
  if ! cluster_await; then
    summaries+=("$kind: cluster did not start")
    cluster_stop
    continue
  fi
  sleep "$settle"
  results=()
  elections=()
  failed=0
  for t in $(seq "$trials"); do
    rc=0
    cluster_run "$root/bin/ketch-bench" --endpoints="$CLUSTER_ENDPOINTS" --pids="$(cluster_pid_list)" \
      "${extra[@]}" failover >"$scratch/out" || rc=$?
    line="$(cat "$scratch/out")"
    # whoever died (the leader, normally exactly one member) is restarted with its flags and data
    restarted=()
    for i in 1 2 3; do
      if ! cluster_member_alive "$i"; then
        cluster_restart_member "$i"
        restarted+=("m$i")
      fi
    done
    if [ "$rc" -eq 0 ] && [[ "$line" =~ failover_ms=([0-9]+) ]]; then
      results+=("${BASH_REMATCH[1]}")
      [[ ! "$line" =~ leader_seen_ms=([0-9]+) ]] || elections+=("${BASH_REMATCH[1]}")
      if [[ "$line" =~ killed=127\.0\.0\.1:([0-9]+) ]] && [ "${restarted[*]}" != "m$((BASH_REMATCH[1] - 23790))" ]; then
        echo "  trial $t: the tool killed m$((BASH_REMATCH[1] - 23790)), but down were: ${restarted[*]:-none}" >&2
      fi
      echo "trial $t: $line"
    else
      failed=$((failed + 1))
      echo "trial $t: failed (ketch-bench exit $rc) ${line}"
    fi
    start=$SECONDS
    if ! cluster_await 90 5; then
      echo "  $kind cluster did not recover after trial $t; its remaining trials are skipped" >&2
      break
    fi
    echo "  restarted ${restarted[*]:-nothing}; all 3 caught up after $((SECONDS - start)) s"
    sleep "$settle"
  done
  cluster_stop
  summaries+=("$(summarize "$kind failover_ms" "${results[@]}")$([ "$failed" -eq 0 ] || echo "  ($failed failed)")")
  summaries+=("$(summarize "$kind leader_seen_ms" "${elections[@]}")")
done
echo "== failover summary (ms from SIGKILL of the leader to the first acknowledged put sent after it;"
echo "   leader_seen_ms: to the first Status of a survivor naming a new leader)"
printf '%s\n' "${summaries[@]}"
