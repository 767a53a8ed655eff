# Shared by the cluster bench scripts: start a 3-member cluster of etcd or Ketch the way every cluster
# comparison starts it (fresh data dirs, fsync on, loopback, client ports 23791-23793, peer ports
# 23801-23803, the same flags for both), wait until it serves, find its leader, crash and restart one
# member, stop it. Source it; $root must be the repository root.
#
# Call these from the script's own shell, never inside $(...): the members' pids live in the globals
# below. A script that sources this sets
#   trap cluster_cleanup EXIT; trap 'exit 130' INT; trap 'exit 143' TERM
# so no member and no tool outlives it.

cluster_kind=""          # etcd or ketch while a cluster runs
cluster_dir=""           # its data dirs (m1, m2, m3) and logs (m1.log, ...) live here
cluster_pids=("" "" "" "")  # member i's pid at index i (1..3); "" when not running
cluster_tool_pid=""      # the foreground tool started by cluster_run, while it runs
cluster_member_flags=()  # set by _cluster_flags
CLUSTER_ENDPOINTS=127.0.0.1:23791,127.0.0.1:23792,127.0.0.1:23793

cluster_client_port() { echo $((23790 + $1)); }
cluster_peer_port() { echo $((23800 + $1)); }

# _cluster_flags I: sets cluster_member_flags to member I's flags, the same for etcd and Ketch and for
# a start and a restart.
_cluster_flags() {
  local i="$1"
  local client="http://127.0.0.1:$(cluster_client_port "$i")" peer="http://127.0.0.1:$(cluster_peer_port "$i")"
  cluster_member_flags=(--name "m$i" --data-dir "$cluster_dir/m$i"
    --listen-client-urls "$client" --advertise-client-urls "$client"
    --listen-peer-urls "$peer" --initial-advertise-peer-urls "$peer"
    --initial-cluster m1=http://127.0.0.1:23801,m2=http://127.0.0.1:23802,m3=http://127.0.0.1:23803
    --initial-cluster-token bench --initial-cluster-state new)
}

# cluster_start etcd|ketch DIR: checks the ports are free, then starts the three members with their
# data under DIR (which must be fresh). Does not wait: cluster_await does.
cluster_start() {
  cluster_kind="$1" cluster_dir="$2"
  local port
  for port in 23791 23792 23793 23801 23802 23803; do
    if _cluster_port_busy "$port"; then
      echo "cluster: port $port is in use (a server left from an earlier run?)" >&2
      return 1
    fi
  done
  mkdir -p "$cluster_dir"
  local i
  for i in 1 2 3; do cluster_start_member "$i"; done
}

# cluster_start_member I: starts member I (again) with its flags and data dir, once its ports are free
# (up to 10 s); its log is appended to DIR/mI.log. A restarted member reuses its data dir, so it
# keeps its identity and its log (etcd and Ketch both ignore --initial-cluster-state new then).
cluster_start_member() {
  local i="$1" port
  for port in "$(cluster_client_port "$i")" "$(cluster_peer_port "$i")"; do
    for _ in $(seq 100); do _cluster_port_busy "$port" || break; sleep 0.1; done
    if _cluster_port_busy "$port"; then
      echo "cluster: port $port of m$i is still in use" >&2
      return 1
    fi
  done
  _cluster_flags "$i"
  if [ "$cluster_kind" = etcd ]; then
    /usr/bin/etcd "${cluster_member_flags[@]}" >>"$cluster_dir/m$i.log" 2>&1 &
  else
    # through the launcher, for its JVM options; it execs java, so $! is the server's pid
    "$root/bin/ketch" "${cluster_member_flags[@]}" >>"$cluster_dir/m$i.log" 2>&1 &
  fi
  cluster_pids[i]=$!
  # out of the job table, so bash does not report "Killed" when a member is crashed on purpose; it
  # is still this shell's child, reaped as soon as it exits
  disown "$!"
}

# cluster_status: `etcdctl endpoint status` of the three members, one line each (simple format:
# endpoint, ID, version, DB size, is leader, is learner, raft term, raft index, applied index,
# errors); members that do not answer within 2 s are left out.
cluster_status() {
  ETCDCTL_API=3 etcdctl --endpoints="$CLUSTER_ENDPOINTS" --dial-timeout=1s --command-timeout=2s \
    endpoint status -w simple 2>/dev/null || true
}

# cluster_await [SECONDS] [LAG]: waits (default 90 s) until all three members answer, all are in the
# same term with exactly one of them leading, and each has applied at least up to LAG (default 5)
# entries short of the leader's raft index. Fails with the last status on stderr otherwise.
cluster_await() {
  local secs="${1:-90}" lag="${2:-5}" out="" deadline=$((SECONDS + ${1:-90}))
  while [ "$SECONDS" -lt "$deadline" ]; do
    out="$(cluster_status)"
    if awk -F', ' -v lag="$lag" '
        NF >= 9 { n++; term[n] = $7; applied[n] = $9; if ($5 == "true") { leaders++; index_ = $8 } }
        END {
          if (n != 3 || leaders != 1) exit 1
          for (i = 1; i <= n; i++) if (term[i] != term[1] || applied[i] + lag < index_) exit 1
        }' <<<"$out"; then
      return 0
    fi
    sleep 0.2
  done
  echo "cluster: $cluster_kind not ready after $secs s; last status:" >&2
  echo "${out:-(no member answered)}" >&2
  return 1
}

# cluster_leader: prints the leading member's index (1..3); fails when no single member leads.
cluster_leader() {
  cluster_status | awk -F', ' '$5 == "true" { split($1, a, ":"); print a[2] - 23790; n++ } END { exit n != 1 }'
}

# cluster_pid_list: the members' pids in endpoint order, comma-separated (ketch-bench --pids).
cluster_pid_list() { echo "${cluster_pids[1]},${cluster_pids[2]},${cluster_pids[3]}"; }

# cluster_kill_member I: SIGKILL to member I; returns once it is gone.
cluster_kill_member() {
  local i="$1"
  kill -9 "${cluster_pids[i]}" 2>/dev/null || true
  cluster_reap_member "$i"
}

# cluster_restart_member I: starts member I again, with the same flags and data dir, once its last
# process is gone (crashed by cluster_kill_member or by a tool).
cluster_restart_member() {
  cluster_reap_member "$1"
  cluster_start_member "$1"
}

# cluster_reap_member I: waits (up to 30 s) until member I is gone (killed by us, by a tool, or
# exited) and forgets its pid. Fails if it is still running.
cluster_reap_member() {
  local i="$1" pid="${cluster_pids[$1]}"
  [ -n "$pid" ] || return 0
  for _ in $(seq 300); do _cluster_gone "$pid" && break; sleep 0.1; done
  if ! _cluster_gone "$pid"; then
    echo "cluster: member m$i (pid $pid) is still running" >&2
    return 1
  fi
  cluster_pids[i]=""
}

# cluster_member_alive I: whether member I's process is still running.
cluster_member_alive() { [ -n "${cluster_pids[$1]}" ] && ! _cluster_gone "${cluster_pids[$1]}"; }

# cluster_stop: prints each member's CPU time, stops the members (SIGTERM, then SIGKILL after 30 s),
# waits until the ports are free and removes the data. Safe to call when nothing runs.
cluster_stop() {
  local i pid cpu=()
  for i in 1 2 3; do
    pid="${cluster_pids[i]}"
    [ -n "$pid" ] || continue
    cpu+=("m$i $(awk '{printf "%.2f s", ($14+$15)/100}' "/proc/$pid/stat" 2>/dev/null || echo "?")")
    kill "$pid" 2>/dev/null || true
  done
  [ "${#cpu[@]}" -eq 0 ] || echo "  cluster cpu (since start): ${cpu[*]}"
  for i in 1 2 3; do
    pid="${cluster_pids[i]}"
    [ -n "$pid" ] || continue
    for _ in $(seq 300); do _cluster_gone "$pid" && break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    cluster_reap_member "$i" || true
  done
  local port
  for port in 23791 23792 23793 23801 23802 23803; do
    for _ in $(seq 100); do _cluster_port_busy "$port" || break; sleep 0.1; done
  done
  [ -z "$cluster_dir" ] || rm -rf "$cluster_dir"
  cluster_kind="" cluster_dir=""
}

# cluster_run CMD...: runs a tool in the background and waits for it, so that a signal to the script
# is handled at once (its trap kills the tool too); returns the tool's exit status.
cluster_run() {
  "$@" &
  cluster_tool_pid=$!
  local rc=0
  wait "$cluster_tool_pid" || rc=$?
  cluster_tool_pid=""
  return "$rc"
}

# cluster_cleanup: for the EXIT trap: kills a running tool and stops the cluster.
cluster_cleanup() {
  if [ -n "$cluster_tool_pid" ]; then
    kill -9 "$cluster_tool_pid" 2>/dev/null || true
    wait "$cluster_tool_pid" 2>/dev/null || true
    cluster_tool_pid=""
  fi
  cluster_stop >/dev/null
}

# _cluster_gone PID: whether the process has exited (a zombie not yet reaped counts as gone).
_cluster_gone() {
  ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# _cluster_port_busy PORT: whether something listens on the TCP port.
_cluster_port_busy() {
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}
