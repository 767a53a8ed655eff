# Shared by the bench scripts: start a server the way every comparison starts it (single member,
# fresh data dir, fsync on, loopback ports 23790/23800), wait until it answers, stop it.
# Source it; $root must be the repository root.

# start_server etcd|ketch DIR: starts the server with its data under DIR, prints its pid.
start_server() {
  local kind="$1" dir="$2"
  local flags=(--name bench --data-dir "$dir/data"
    --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800
    --initial-cluster bench=http://127.0.0.1:23800)
  if [ "$kind" = etcd ]; then
    /usr/bin/etcd "${flags[@]}" >"$dir/server.log" 2>&1 &
  else
    "$root/bin/ketch" "${flags[@]}" >"$dir/server.log" 2>&1 &
  fi
  echo $!
}

# await_server: waits (up to 20 s) until the server on 127.0.0.1:23790 answers a read.
await_server() {
  for _ in $(seq 100); do
    ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:23790 --dial-timeout=1s get ready >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  return 1
}

# stop_server PID DIR: prints the server's CPU time, stops it and removes its data.
stop_server() {
  local pid="$1" dir="$2"
  echo "  server cpu: $(awk '{printf "%.2f s", ($14+$15)/100}' "/proc/$pid/stat" 2>/dev/null || echo "? (server gone)") (since start)"
  kill "$pid" 2>/dev/null || true
  # not our child (started in a command substitution), so `wait` cannot see it: poll until it is gone,
  # so the next server finds the ports free (up to 30 s, then it is killed)
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -rf "$dir"
}

bench() { "$root/bin/ketch-bench" --endpoints=127.0.0.1:23790 "$@"; }

# each_system etcd|ketch|both FUNCTION: runs FUNCTION with etcd, with ketch, or with both in turn.
each_system() {
  case "$1" in
    etcd|ketch) "$2" "$1" ;;
    both) "$2" etcd; "$2" ketch ;;
    *) echo "usage: $(basename "$0") [etcd|ketch|both] ..." >&2; exit 2 ;;
  esac
}
