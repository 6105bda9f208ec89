#!/usr/bin/env bash
# How long a new query node takes to catch up from the Kafka topics alone.
#   tools/bench_catchup.sh STORE_DIR [partitions=64]
# Publishes the store (no server may be using it) to a fresh `eventmart
# dev-kafka` with `bench relay`, then starts `eventmart project` on an empty
# folder and times it until its log holds every event and /readyz says ready
# (its projections are within 10,000 events). Needs a Release build.
# Partitions: the mock cluster keeps ~5 MiB per partition, so a big store
# needs many to keep every event.
set -euo pipefail
cd "$(dirname "$0")/.."
STORE="$1"
PARTITIONS="${2:-64}"
BIN=build/release/tools/eventmart
dir=$(mktemp -d /tmp/eventmart-catchup-XXXXXX)
"$BIN" dev-kafka --partitions "$PARTITIONS" >"$dir/kafka" 2>"$dir/kafka.log" &
kafka_pid=$!
node_pid=
trap 'kill -TERM $node_pid $kafka_pid 2>/dev/null; wait $node_pid $kafka_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do [ -s "$dir/kafka" ] && break; sleep 0.1; done
brokers=$(head -1 "$dir/kafka")
"$BIN" bench relay --data-dir "$STORE" --kafka-brokers "$brokers" 2>/dev/null | tail -1
head=$("$BIN" stats --data-dir "$STORE" --json | grep -o '"lastPosition": *[0-9]*' | grep -o '[0-9]*$')
start=$(date +%s.%N)
"$BIN" project --data-dir "$dir/node" --listen 127.0.0.1:0 --admin-token bench --kafka-brokers "$brokers" \
  >"$dir/node.out" 2>"$dir/node.log" &
node_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$dir/node.out" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/node.out")
while :; do
  feed=$(curl -s "$url/api/v1/admin/feed" -H 'Authorization: Bearer bench')
  position=$(echo "$feed" | grep -o '"position":[0-9]*' | cut -d: -f2)
  if [ "$position" = "$head" ] && curl -sf "$url/readyz" >/dev/null; then break; fi
  sleep 0.25
done
end=$(date +%s.%N)
echo "$feed"
awk -v s="$start" -v e="$end" -v n="$head" 'BEGIN { printf "events=%d seconds=%.1f\nevents_per_sec=%.0f\n", n, e - s, n / (e - s) }'
