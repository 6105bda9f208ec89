#!/usr/bin/env bash
# HTTP load: /healthz and POST .../charge against one fresh Release server,
# in the same session, so the two can be compared as a ratio.
#   tools/bench_http.sh [seconds=10] [connections=64]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_RUN="${1:-10}"
CONNECTIONS="${2:-64}"
BIN=build/release/tools/eventmart
[ -x "$BIN" ] || { echo "build Release first: cmake --build build/release" >&2; exit 1; }
dir=$(mktemp -d /tmp/eventmart-bench-XXXXXX)
"$BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 >"$dir/stdout" 2>"$dir/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/stdout")

wrk -t2 -c16 -d2s -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
echo "users=$users connections=$CONNECTIONS seconds=$SECONDS_PER_RUN"

echo "== GET /healthz"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url/healthz" | grep -E "Requests/sec|50%|99%|Non-2xx"
echo "== POST /api/v1/points/{id}/charge"
USERS="$users" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s tools/wrk/charge.lua "$url" \
  | grep -E "Requests/sec|50%|99%|Non-2xx"
