#!/usr/bin/env bash
# Rate limits and the coupon waiting room under the coupon storm, on fresh
# Release servers (wrk shares the 2 cores with the server).
#   tools/bench_limits.sh limiter [runs=3] [seconds=5] [connections=256]
#       Per run, two fresh servers one after the other: no rate limit flags,
#       then `--rate-limit coupon-issue=1000/s --rate-limit-ip
#       coupon-issue=1000000/s` (configured on the storm's route, never hit:
#       each request is a distinct user). Prints issues/s and p99 of each.
#   tools/bench_limits.sh waiting-room [runs=3] [seconds=5] [connections=256]
#       The storm with "Prefer: respond-async": 202s/s (accept rate, each
#       answered once the request is durable), then from the log the time
#       from each request's record to its decision, and with a probe client
#       during the storm the time from sending a request to reading it
#       decided at GET /api/v1/coupon-requests/{id}.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-limiter}"
RUNS="${2:-3}"
SECONDS_PER_RUN="${3:-5}"
CONNECTIONS="${4:-256}"
BIN=build/release/tools/eventmart
[ -f build/release/build.ninja ] || cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target eventmart >/dev/null

pid=
dir=
stop_server() {
  if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  [ -n "$dir" ] && rm -rf "$dir"
  pid= dir=
}
trap stop_server EXIT

# Starts a fresh server with the given flags, signs up enough users for the
# storm, creates the coupon; sets url, users, coupon.
start_server() {
  dir=$(mktemp -d /tmp/eventmart-bench-limits-XXXXXX)
  "$BIN" serve --data-dir "$dir" --listen 127.0.0.1:0 --admin-token bench "$@" >"$dir/stdout" 2>"$dir/server.log" &
  pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
  url=$(grep -o 'http://[0-9.:]*' "$dir/stdout")
  wrk -t2 -c32 -d"$((SECONDS_PER_RUN * 2 + 2))s" -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null
  users=$(curl -s -XPOST "$url/api/v1/users" -d '{"name":"last"}' | grep -o '"userId":[0-9]*' | cut -d: -f2)
  coupon=$(curl -s -XPOST "$url/api/v1/admin/coupons" -H 'Authorization: Bearer bench' \
    -d "{\"name\":\"storm\",\"discountType\":\"FIXED\",\"discountValue\":1000,\"totalQuantity\":$users}" \
    | grep -o '"couponId":[0-9]*' | cut -d: -f2)
}

storm() {  # extra env for wrk (ASYNC=1)
  env COUPON="$coupon" THREADS=2 "$@" wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_PER_RUN}s" --latency \
    -s tools/wrk/issue.lua "$url" | grep -E "Requests/sec|99%|Non-2xx"
}

if [ "$MODE" = limiter ]; then
  for run in $(seq "$RUNS"); do
    start_server
    echo "run $run: no limits (users=$users)"
    storm
    stop_server
    start_server --rate-limit coupon-issue=1000/s --rate-limit-ip coupon-issue=1000000/s
    echo "run $run: limits configured, not hit (users=$users)"
    storm
    curl -s "$url/metrics" | grep '^eventmart_rate_limited_total{class="coupon-issue"' | tr '\n' ' '; echo
    stop_server
  done
elif [ "$MODE" = waiting-room ]; then
  for run in $(seq "$RUNS"); do
    start_server
    # The probe takes the last 200 users; the storm never reaches them.
    probe_first=$((users - 200))
    echo "run $run: waiting room (users=$users)"
    python3 - "$url" "$coupon" "$probe_first" "$SECONDS_PER_RUN" >"$dir/probe" <<'PY' &
import http.client, json, sys, time
url, coupon, first, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
host, port = url.removeprefix("http://").split(":")
c = http.client.HTTPConnection(host, int(port))
times, user, end = [], first, time.monotonic() + seconds
time.sleep(0.5)  # let the storm start
while time.monotonic() < end - 0.2:
    t0 = time.monotonic()
    c.request("POST", f"/api/v1/coupons/{coupon}/issue", json.dumps({"userId": user}),
              {"Content-Type": "application/json", "Prefer": "respond-async"})
    r = c.getresponse(); r.read()
    location = r.getheader("Location")
    while True:
        c.request("GET", location); g = c.getresponse(); body = json.loads(g.read())
        if body["status"] != "PENDING": break
        time.sleep(0.001)
    times.append((time.monotonic() - t0) * 1000)
    user += 1
    time.sleep(0.1)
times.sort()
print(f"probe: {len(times)} requests, sent -> read decided: p50 {times[len(times)//2]:.1f} ms, "
      f"max {times[-1]:.1f} ms")
PY
    probe=$!
    storm ASYNC=1
    wait "$probe"
    cat "$dir/probe"
    # Every request decided? Time from its record to its decision, from the log.
    "$BIN" replay --data-dir "$dir" --category couponRequest 2>/dev/null | python3 -c '
import json, sys
requested, gaps = {}, []
for line in sys.stdin:
    e = json.loads(line)
    d = e["data"]
    if e["type"] == "couponRequest.CouponRequested":
        requested[d["requestId"]] = d["requestedAtMs"]
    else:
        gaps.append(d["decidedAtMs"] - requested.pop(d["requestId"]))
gaps.sort()
print(f"log: {len(gaps)} decided, {len(requested)} pending; record -> decision: "
      f"p50 {gaps[len(gaps)//2]} ms, p99 {gaps[int(len(gaps)*0.99)]} ms, max {gaps[-1]} ms")'
    stop_server
  done
else
  echo "mode must be limiter or waiting-room" >&2
  exit 2
fi
