#!/usr/bin/env bash
# Orders over HTTP against a 3-node loopback cluster (eventmart dev-cluster:
# 3 etcd members + 3 serve processes) beside a single node, in the same
# run, then failover times (kill -9 of the leader -> first acknowledged
# command), Release build.
#   tools/bench_cluster.sh [seconds=10] [connections=64] [failovers=5]
# Prints, for each setup, wrk's orders/s and p50/p99 (place and pay in one
# step, tools/wrk/order_pay.lua), and the leader's commit p99 (from the
# eventmart_commit_seconds histogram: the etcd transaction + local fsync in
# a cluster, the fsync alone on a single node); then each failover time and
# their median. Three nodes, three etcd members and wrk share the machine's
# cores, so compare the ratio, not the absolute figures.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-64}"
FAILOVERS="${3:-5}"
# EVENTMART_BIN=path runs another build (e.g. an older commit's, for a before/after).
BIN=${EVENTMART_BIN:-$PWD/build/release/tools/eventmart}
if [ -z "${EVENTMART_BIN:-}" ]; then
  [ -f build/release/build.ninja ] || cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build/release --target eventmart >/dev/null
fi
dir=$(mktemp -d /tmp/eventmart-cluster-bench-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -TERM $p 2>/dev/null || true; done; sleep 2; rm -rf "$dir"' EXIT
AUTH='Authorization: Bearer bench'

# p99 of a Prometheus histogram (cumulative buckets) read from /metrics.
commit_p99() {
  curl -s "$1/metrics" | grep '^eventmart_commit_seconds_bucket' |
    sed -E 's/.*le="([^"]+)"\} ([0-9.e+]+)/\1 \2/' |
    awk '{le[NR]=$1; c[NR]=$2} END {t=c[NR]; for (i=1;i<=NR;i++) if (c[i] >= 0.99*t) {printf "%.1f ms\n", le[i]*1000; exit}}'
}

load() {  # url label
  local url=$1
  wrk -t2 -c32 -d2s -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
  local users
  users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
  THREADS=2 wrk -t2 -c32 -d5s -s tools/wrk/charge_all.lua "$url" >/dev/null
  curl -s -XPOST "$url/api/v1/points/1/charge" -d '{"amount":10000000}' >/dev/null
  TOKEN=bench wrk -t2 -c32 -d1s -s tools/wrk/products.lua "$url/api/v1/admin/products" >/dev/null
  local products
  products=$(curl -s -XPOST "$url/api/v1/admin/products" -H "$AUTH" -d '{"name":"last","price":100,"stock":1000000000}' |
    grep -o '"productId":[0-9]*' | cut -d: -f2)
  echo "== $2: POST /api/v1/orders (pay:true), users=$users products=$products"
  USERS="$users" PRODUCTS="$products" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
    -s tools/wrk/order_pay.lua "$url" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "commit p99: $(commit_p99 "$url")"
}

# Single node.
"$BIN" serve --data-dir "$dir/single" --listen 127.0.0.1:0 --admin-token bench >"$dir/single.out" 2>"$dir/single.log" &
single=$!
pids+=($single)
for _ in $(seq 100); do grep -q "listening on" "$dir/single.out" 2>/dev/null && break; sleep 0.1; done
load "$(grep -o 'http://[0-9.:]*' "$dir/single.out")" "single node"
kill -TERM $single; wait $single || true

# Three nodes.
"$BIN" dev-cluster --nodes 3 --dir "$dir/cluster" --admin-token bench >"$dir/cluster.json" 2>"$dir/dev-cluster.log" &
pids+=($!)
for _ in $(seq 300); do [ -s "$dir/cluster.json" ] && break; sleep 0.1; done
urls=($(grep -o '"url":"[^"]*"' "$dir/cluster.json" | cut -d'"' -f4))
leader_url() {
  for _ in $(seq 400); do
    for u in "${urls[@]}"; do
      role=$(curl -s -m 1 "$u/api/v1/admin/cluster" -H "$AUTH" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])' 2>/dev/null || true)
      if [ "$role" = leader ]; then echo "$u"; return; fi
    done
    sleep 0.05
  done
}
leader=$(leader_url)
load "$leader" "3-node cluster (leader $leader)"

# Failover: kill -9 the leader, time until any node acknowledges a charge
# (following the 307 to the new leader), restart the killed node, repeat.
echo "== failover: kill -9 of the leader -> first acknowledged command"
times=()
for run in $(seq "$FAILOVERS"); do
  leader=$(leader_url)
  idx=0
  for i in "${!urls[@]}"; do [ "${urls[$i]}" = "$leader" ] && idx=$i; done
  pid=$(python3 -c "import json,sys; print(json.load(open('$dir/cluster.json'))['nodes'][$idx]['pid'])")
  [ -f "$dir/restarted-$idx.pid" ] && pid=$(cat "$dir/restarted-$idx.pid")
  echo "run $run: killing the leader $leader (pid $pid)"
  start=$(date +%s.%N)
  kill -9 "$pid"
  while :; do
    ok=0
    for u in "${urls[@]}"; do
      [ "$u" = "$leader" ] && continue
      code=$(curl -s -m 2 -o /dev/null -w '%{http_code}' -L -XPOST "$u/api/v1/points/1/charge" -d '{"amount":1}' || true)
      if [ "$code" = 200 ]; then ok=1; break; fi
    done
    [ $ok = 1 ] && break
    sleep 0.02
  done
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  times+=("$t")
  echo "run $run: ${t}s"
  # Restart the killed node from the command dev-cluster printed.
  python3 -c "import json,sys; sys.stdout.write('\0'.join(json.load(open('$dir/cluster.json'))['nodes'][$idx]['command']))" |
    xargs -0 sh -c '"$0" "$@" >/dev/null 2>>'"$dir/restarted.log"' & echo $! >'"$dir/restarted-$idx.pid"
  pids+=($(cat "$dir/restarted-$idx.pid"))
  sleep 3
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print "median failover: " a[int((NR+1)/2)] " s"}'
