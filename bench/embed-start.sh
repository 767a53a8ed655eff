#!/usr/bin/env bash
# Start-to-first-successful-put: embedded Ketch (1 and 3 members; cold = first start in a new JVM,
# warm = later starts in the same JVM) against Debian's etcd started as a process the way the other
# benches start it (single member, fresh data dir), timed from fork to the first acknowledged
# `etcdctl put`. Usage: bench/embed-start.sh [rounds]  (needs ./mvnw -o install -DskipTests first)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
cd "$root"
cp_file="$(mktemp)"
./mvnw -q -o dependency:build-classpath -pl ketch-embed -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file" >/dev/null
cp="ketch-embed/target/classes:$(cat "$cp_file")"
rm -f "$cp_file"
for members in 1 3; do
  java -Djava.util.concurrent.ForkJoinPool.common.parallelism=2 -cp "$cp" bench/EmbedStart.java "$members" "$rounds" \
    2>/dev/null | grep '^embedded'
done
for i in $(seq "$rounds"); do
  dir="$(mktemp -d /tmp/ketch-bench.XXXXXX)"
  t0=$(date +%s%N)
  /usr/bin/etcd --name bench --data-dir "$dir/data" \
    --listen-client-urls http://127.0.0.1:23790 --advertise-client-urls http://127.0.0.1:23790 \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster bench=http://127.0.0.1:23800 >"$dir/server.log" 2>&1 &
  pid=$!
  until ETCDCTL_API=3 etcdctl --endpoints=127.0.0.1:23790 --dial-timeout=1s --command-timeout=1s put k v >/dev/null 2>&1; do
    sleep 0.01
  done
  t1=$(date +%s%N)
  echo "etcd process members=1 start_to_first_put_ms=$(( (t1 - t0) / 1000000 ))"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
