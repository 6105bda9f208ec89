#!/usr/bin/env bash
# HTTP load against one fresh Release server, beside a /healthz run in the
# same session, so the two can be compared as a ratio.
#   tools/bench_http.sh charge [seconds=10] [connections=64]
#       POST /api/v1/points/{id}/charge for random users
#   tools/bench_http.sh coupon [seconds=10] [connections=256]
#       the coupon storm: one hot coupon, each request a distinct user
#   tools/bench_http.sh order [seconds=10] [connections=64]
#       place and pay in one step (pay:true), random users and products,
#       then GET /api/v1/products/best on the resulting ranking
# KAFKA=1 runs the server with the Kafka relay publishing to `eventmart
# dev-kafka` (16 partitions per topic), and prints the relay's status after
# the load: ackLagP50Ms/ackLagP99Ms are from each event's time to its broker
# acknowledgement, over the last 262,144 events.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-charge}"
SECONDS_PER_RUN="${2:-10}"
CONNECTIONS="${3:-$([ "$MODE" = coupon ] && echo 256 || echo 64)}"
BIN=build/release/tools/eventmart
[ -f build/release/build.ninja ] || cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target eventmart >/dev/null
dir=$(mktemp -d /tmp/eventmart-bench-XXXXXX)
kafka_args=()
kafka_pid=
if [ -n "${KAFKA:-}" ]; then
  "$BIN" dev-kafka --partitions 16 >"$dir/kafka" 2>"$dir/kafka.log" &
  kafka_pid=$!
  for _ in $(seq 100); do [ -s "$dir/kafka" ] && break; sleep 0.1; done
  kafka_args=(--kafka-brokers "$(head -1 "$dir/kafka")")
fi
"$BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 --admin-token bench "${kafka_args[@]}" >"$dir/stdout" 2>"$dir/server.log" &
pid=$!
trap 'kill -TERM $pid $kafka_pid 2>/dev/null; wait $pid $kafka_pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$dir/stdout")

# Users: enough that the coupon storm never runs out of distinct ones.
signup_seconds=$([ "$MODE" = coupon ] && echo $((SECONDS_PER_RUN * 2 + 4)) || echo 2)
wrk -t2 -c32 -d"${signup_seconds}s" -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
echo "mode=$MODE users=$users connections=$CONNECTIONS seconds=$SECONDS_PER_RUN"

echo "== GET /healthz"
wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url/healthz" | grep -E "Requests/sec|50%|99%|Non-2xx"
if [ "$MODE" = order ]; then
  THREADS=2 wrk -t2 -c32 -d5s -s tools/wrk/charge_all.lua "$url" >/dev/null
  # wrk drops the very first request its first thread makes: charge user 1 by hand.
  curl -s -XPOST "$url/api/v1/points/1/charge" -d '{"amount":10000000}' >/dev/null
  TOKEN=bench wrk -t2 -c32 -d1s -s tools/wrk/products.lua "$url/api/v1/admin/products" >/dev/null
  products=$(curl -s "$url/api/v1/products?includeSoldOut=true&limit=1" >/dev/null; \
    curl -s -XPOST "$url/api/v1/admin/products" -H 'Authorization: Bearer bench' -d '{"name":"last","price":100,"stock":1000000000}' \
    | grep -o '"productId":[0-9]*' | cut -d: -f2)
  echo "products=$products"
  echo "== POST /api/v1/orders (pay:true)"
  USERS="$users" PRODUCTS="$products" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
    -s tools/wrk/order_pay.lua "$url" | grep -E "Requests/sec|50%|99%|Non-2xx"
  echo "== GET /api/v1/products/best"
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency "$url/api/v1/products/best" | grep -E "Requests/sec|50%|99%|Non-2xx"
elif [ "$MODE" = coupon ]; then
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
if [ -n "${KAFKA:-}" ]; then
  echo "== relay"
  curl -s "$url/api/v1/admin/relay" -H 'Authorization: Bearer bench'; echo
  # The whole run (sign-ups and charges included), as cumulative buckets.
  curl -s "$url/metrics" | grep -E '^eventmart_relay_ack_lag_seconds_(bucket|count)' | tr '\n' ' '; echo
fi
