#!/usr/bin/env bash
# Restart of `serve` on an existing store: seconds from exec to the first
# acknowledged command (a sign-up answered 201), and resident memory then
# and 5 s later. Each run adds one user to the store.
#   tools/bench_restart.sh DATA_DIR [runs=3]
#   BIN=path/to/eventmart   another build (default: build/release/tools/eventmart)
#   CRASH=1                 before each measured start, a server takes
#                           order+pay load (wrk, 64 connections) for 5 s and
#                           is killed with SIGKILL in the middle of it
# Prints one line per run, then the median.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA="$1"
RUNS="${2:-3}"
BIN="${BIN:-build/release/tools/eventmart}"
work=$(mktemp -d /tmp/eventmart-restart-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$work"' EXIT

start_server() {  # sets pid and url; $1: file for stdout
  : >"$1"
  "$BIN" serve --data-dir "$DATA" --listen 127.0.0.1:0 --admin-token bench >"$1" 2>>"$work/server.log" &
  pid=$!
  for _ in $(seq 6000); do grep -q "listening on" "$1" 2>/dev/null && break; sleep 0.01; done
  url=$(grep -o 'http://[0-9.:]*' "$1")
}

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

times=()
for run in $(seq "$RUNS"); do
  if [ -n "${CRASH:-}" ]; then
    start_server "$work/crash.out"
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")" = 200 ]; do sleep 0.1; done
    USERS=1000 PRODUCTS=100 timeout 5 wrk -t2 -c64 -d10s -s tools/wrk/order_pay.lua "$url" >/dev/null 2>&1 || true
    kill -9 "$pid"  # wrk is still sending when timeout stops it
    wait "$pid" 2>/dev/null || true
  fi
  started=$(date +%s.%N)
  start_server "$work/stdout"
  until [ "$(curl -s -o /dev/null -w '%{http_code}' -XPOST "$url/api/v1/users" -d '{"name":"restart"}')" = 201 ]; do
    sleep 0.005
  done
  answered=$(date +%s.%N)
  rss_first=$(rss_mb "$pid")
  sleep 5
  rss_later=$(rss_mb "$pid")
  seconds=$(echo "$answered - $started" | bc -l)
  printf 'run %d: first acknowledged command after %.3f s, RSS %s MB then, %s MB 5 s later\n' \
    "$run" "$seconds" "$rss_first" "$rss_later"
  times+=("$seconds")
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
  pid=
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "median: %.3f s over %d runs\n", a[int((NR+1)/2)], NR}'
