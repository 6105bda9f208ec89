#!/usr/bin/env bash
# Where a 3-node cluster's CPU goes: a loopback dev-cluster, the order+pay
# load of tools/bench_cluster.sh on its leader for SECONDS, and each serve
# and etcd process's CPU over those seconds (utime+stime from /proc), in
# cores; with `follower` or `etcd`, `perf record -g` of one follower's serve
# process (or its etcd member, or the leader's serve process) meanwhile,
# into /tmp/eventmart-perf-*.data. Also prints the leader's commit groups
# over the load (etcd transactions) and appends per group.
#   tools/bench_cluster_cpu.sh BIN [seconds=10] [follower|etcd|leader|none]
# Divide by orders/s to compare builds (the machine's speed varies a lot).
set -euo pipefail
BIN=$1; SECS=${2:-10}; PERF=${3:-none}
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/eventmart-cluster-cpu-XXXXXX)
AUTH='Authorization: Bearer bench'
"$BIN" dev-cluster --nodes 3 --dir "$dir/cluster" --admin-token bench >"$dir/cluster.json" 2>"$dir/dev.log" &
dc=$!
trap 'kill -TERM $dc 2>/dev/null; wait $dc 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 300); do [ -s "$dir/cluster.json" ] && break; sleep 0.1; done
urls=($(grep -o '"url":"[^"]*"' "$dir/cluster.json" | cut -d'"' -f4))
nodepids=($(python3 -c "import json; print(' '.join(str(n['pid']) for n in json.load(open('$dir/cluster.json'))['nodes']))"))
etcdpids=($(python3 -c "import json; print(' '.join(str(n['etcd']['pid']) for n in json.load(open('$dir/cluster.json'))['nodes']))"))
leader=""
for _ in $(seq 200); do
  for i in 0 1 2; do
    role=$(curl -s -m 1 "${urls[$i]}/api/v1/admin/cluster" -H "$AUTH" | python3 -c 'import json,sys; print(json.load(sys.stdin)["role"])' 2>/dev/null || true)
    [ "$role" = leader ] && leader=$i
  done
  [ -n "$leader" ] && break; sleep 0.1
done
url=${urls[$leader]}
wrk -t2 -c32 -d2s -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
THREADS=2 wrk -t2 -c32 -d5s -s tools/wrk/charge_all.lua "$url" >/dev/null
TOKEN=bench wrk -t2 -c32 -d1s -s tools/wrk/products.lua "$url/api/v1/admin/products" >/dev/null
products=$(curl -s -XPOST "$url/api/v1/admin/products" -H "$AUTH" -d '{"name":"last","price":100,"stock":1000000000}' | grep -o '"productId":[0-9]*' | cut -d: -f2)
sleep 1
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
# sum and count of the leader's commit-group histogram
groups() { curl -s "$url/metrics" | awk '/^eventmart_commit_group_appends_(sum|count)/ {printf "%s ", $2}'; }
read -r gsum0 gcount0 <<<"$(groups)"
declare -A before
for p in "${nodepids[@]}" "${etcdpids[@]}"; do before[$p]=$(ticks $p); done
if [ "$PERF" = follower ]; then
  f=$(( (leader + 1) % 3 ))
  perf record -F 499 -g -p ${nodepids[$f]} -o "/tmp/eventmart-perf-follower.data" -- sleep $SECS >/dev/null 2>&1 &
  perfpid=$!
elif [ "$PERF" = leader ]; then
  perf record -F 499 -g -p ${nodepids[$leader]} -o "/tmp/eventmart-perf-leader.data" -- sleep $SECS >/dev/null 2>&1 &
  perfpid=$!
elif [ "$PERF" = etcd ]; then
  f=$(( (leader + 1) % 3 ))
  perf record -F 499 -g -p ${etcdpids[$f]} -o "/tmp/eventmart-perf-etcd.data" -- sleep $SECS >/dev/null 2>&1 &
  perfpid=$!
fi
out=$(USERS="$users" PRODUCTS="$products" wrk -t2 -c64 -d${SECS}s -s tools/wrk/order_pay.lua "$url")
[ -n "${perfpid:-}" ] && wait $perfpid || true
reqs=$(echo "$out" | grep -o 'Requests/sec: *[0-9.]*' | awk '{print $2}')
echo "orders/s $reqs (leader node $((leader+1)))"
read -r gsum1 gcount1 <<<"$(groups)"
echo "commit groups $(echo "$gcount1 - $gcount0" | bc), appends per group $(echo "scale=1; ($gsum1 - $gsum0) / ($gcount1 - $gcount0)" | bc)"
hz=$(getconf CLK_TCK)
for i in 0 1 2; do
  p=${nodepids[$i]}; e=${etcdpids[$i]}
  role=follower; [ $i = $leader ] && role=leader
  echo "node $((i+1)) $role: serve $(echo "scale=2; ($(ticks $p)-${before[$p]})/$hz/$SECS" | bc) cores, etcd $(echo "scale=2; ($(ticks $e)-${before[$e]})/$hz/$SECS" | bc) cores"
done
