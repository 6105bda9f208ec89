#!/usr/bin/env bash
# HTTP load against one fresh Release server, beside a /healthz run in the
# same session, so the two can be compared as a ratio.
#   tools/bench_http.sh charge [seconds=10] [connections=64]
#       POST /api/v1/points/{id}/charge for random users
#   tools/bench_http.sh coupon [seconds=10] [connections=256]
#       the coupon storm: one hot coupon, each request a distinct user
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-charge}"
SECONDS_PER_RUN="${2:-10}"
CONNECTIONS="${3:-$([ "$MODE" = coupon ] && echo 256 || echo 64)}"
BIN=build/release/tools/eventmart
[ -x "$BIN" ] || { echo "build Release first: cmake --build build/release" >&2; exit 1; }
dir=$(mktemp -d /tmp/eventmart-bench-XXXXXX)
"$BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 --admin-token bench >"$dir/stdout" 2>"$dir/server.log" &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/stdout")

# Users: enough that the coupon storm never runs out of distinct ones.
signup_seconds=$([ "$MODE" = coupon ] && echo $((SECONDS_PER_RUN * 2 + 4)) || echo 2)
wrk -t2 -c32 -d"${signup_seconds}s" -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
echo "mode=$MODE users=$users connections=$CONNECTIONS seconds=$SECONDS_PER_RUN"

echo "== GET /healthz"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url/healthz" | grep -E "Requests/sec|50%|99%|Non-2xx"
if [ "$MODE" = coupon ]; then
  coupon=$(curl -s -XPOST "$url/api/v1/admin/coupons" -H 'Authorization: Bearer bench' \
    -d "{\"name\":\"storm\",\"discountType\":\"FIXED\",\"discountValue\":1000,\"totalQuantity\":$users}" \
    | grep -o '"couponId":[0-9]*' | cut -d: -f2)
  echo "== POST /api/v1/coupons/$coupon/issue (distinct users)"
  COUPON="$coupon" THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s tools/wrk/issue.lua "$url" \
    | grep -E "Requests/sec|50%|99%|Non-2xx"
  curl -s "$url/api/v1/coupons/$coupon" | grep -o '"remainingQuantity":[0-9]*' \
    | awk -F: -v total="$users" '{print "issued=" total - $2 " (acknowledged and durable)"}'
else
  echo "== POST /api/v1/points/{id}/charge"
  USERS="$users" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency -s tools/wrk/charge.lua "$url" \
    | grep -E "Requests/sec|50%|99%|Non-2xx"
fi
