#!/usr/bin/env bash
# The coupon storm with shoppers' bearer tokens beside --auth none, in one
# session on fresh Release servers (tools/bench_http.sh coupon's storm):
#   tools/bench_auth.sh [runs=3] [seconds=5] [users=240000] [connections=256]
# Modes, interleaved in every run so the machine's drift hits them alike:
#   none           --auth none (v1): the storm as tools/bench_http.sh runs it
#   none-header    --auth none, but every request carries an RS256 token that
#                  nobody checks: the cost of the bytes alone (wrk builds and
#                  sends ~500 more bytes a request on the same two cores)
#   hs256, rs256   --auth jwt: every user signs up with its own token (which
#                  binds it and verifies the token once), then the storm sends
#                  each user's token with its one issue request
#   rs256-nocache  rs256 with --jwt-cache-entries 0: every request verifies
#                  its RS256 signature (the cost the cache takes away)
# Tokens come from build/release/tools/bench_tokens (OpenSSL, an RSA-2048
# key and an HS256 secret; one token per user, subject bench-<n>).
# Prints one line per mode and run, and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
SECS="${2:-5}"
USERS="${3:-240000}"
CONNECTIONS="${4:-256}"
BIN=build/release/tools/eventmart
[ -f build/release/build.ninja ] || cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/release --target eventmart bench_tokens >/dev/null
work=$(mktemp -d /tmp/eventmart-bench-auth-XXXXXX)
pid=
signup_pid=
cleanup() {
  [ -n "$signup_pid" ] && kill -INT "$signup_pid" 2>/dev/null || true
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
build/release/tools/bench_tokens "$work" "$USERS" >/dev/null

head_position() { curl -s "$1/readyz" | grep -o '"head":[0-9]*' | cut -d: -f2; }

# Signs up USERS users (with tokens for the jwt modes) and writes
# $dir/users.txt ("<userId> <token>") for them.
sign_up() {
  local mode=$1 url=$2 dir=$3
  if [ "${mode%-header}" = none ]; then
    wrk -t2 -c32 -d600s -s tools/wrk/signup.lua "$url/api/v1/users" >/dev/null &
  else
    local alg=${mode%-nocache}
    TOKENS="$work/tokens-$alg.txt" OUT="$dir/map" THREADS=2 \
      wrk -t2 -c32 -d600s -s tools/wrk/signup_tokens.lua "$url" >/dev/null &
  fi
  signup_pid=$!
  # Until USERS have signed up, or (tokens run out; wrk drops a thread's
  # very first request) the log stops growing for two seconds.
  local head=0 last=-1 still=0
  while [ "$head" -lt "$USERS" ] && [ "$still" -lt 4 ]; do
    sleep 0.5
    head=$(head_position "$url")
    if [ "$head" = "$last" ]; then still=$((still + 1)); else still=0; fi
    last=$head
  done
  kill -INT "$signup_pid"
  wait "$signup_pid" || true
  signup_pid=
  if [ "$mode" = none-header ]; then
    awk '{ print NR, $0 }' "$work/tokens-rs256.txt" >"$dir/users.txt"  # user n, any token: none is checked
  elif [ "$mode" != none ]; then
    # By user id, so that the storm asks for users in the order the none
    # modes do (1, 2, 3, ...): random order costs the read models' inserts more.
    awk 'NR == FNR { token[FNR] = $0; next } { print $1, token[$2] }' "$work/tokens-${mode%-nocache}.txt" \
      "$dir"/map.* | sort -n >"$dir/users.txt"
  fi
}

field() { grep -E "$1" | head -1 | awk '{print $2}'; }

run_one() {
  local mode=$1 run=$2 dir="$work/$1-$2" args=()
  mkdir -p "$dir"
  case "$mode" in
    none|none-header) ;;
    hs256|rs256) args=(--auth jwt --jwks "$work/jwks.json" --jwt-hs256-secret-file "$work/hs256.secret"
                       --jwt-issuer bench-idp --jwt-cache-entries $((USERS * 2))) ;;
    rs256-nocache) args=(--auth jwt --jwks "$work/jwks.json" --jwt-hs256-secret-file "$work/hs256.secret"
                         --jwt-issuer bench-idp --jwt-cache-entries 0) ;;
  esac
  "$BIN" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --admin-token bench "${args[@]}" >"$dir/stdout" 2>"$dir/server.log" &
  pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$dir/stdout" 2>/dev/null && break; sleep 0.1; done
  local url
  url=$(grep -o 'http://[0-9.:]*' "$dir/stdout")
  sign_up "$mode" "$url" "$dir"
  local coupon
  coupon=$(curl -s -XPOST "$url/api/v1/admin/coupons" -H 'Authorization: Bearer bench' \
    -d "{\"name\":\"storm\",\"discountType\":\"FIXED\",\"discountValue\":1000,\"totalQuantity\":$USERS}" \
    | grep -o '"couponId":[0-9]*' | cut -d: -f2)
  local health storm
  health=$(wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency "$url/healthz")
  if [ "$mode" = none ]; then
    storm=$(COUPON="$coupon" THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency -s tools/wrk/issue.lua "$url")
  else
    storm=$(COUPON="$coupon" USERS="$dir/users.txt" THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${SECS}s" --latency \
      -s tools/wrk/issue_tokens.lua "$url")
  fi
  local remaining
  remaining=$(curl -s "$url/api/v1/coupons/$coupon" | grep -o '"remainingQuantity":[0-9]*' | cut -d: -f2)
  printf '%-14s run=%s healthz=%s p99=%s issues/s=%s p99=%s non2xx=%s issued=%s\n' "$mode" "$run" \
    "$(echo "$health" | field 'Requests/sec')" "$(echo "$health" | field ' 99%')" \
    "$(echo "$storm" | field 'Requests/sec')" "$(echo "$storm" | field ' 99%')" \
    "$(echo "$storm" | grep -o 'Non-2xx or 3xx responses: [0-9]*' | awk '{print $NF}' || true)" \
    "$((USERS - remaining))" | tee -a "$work/results"
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
  rm -rf "$dir"
}

echo "users=$USERS connections=$CONNECTIONS seconds=$SECS runs=$RUNS"
for run in $(seq "$RUNS"); do
  for mode in none none-header hs256 rs256 rs256-nocache; do run_one "$mode" "$run"; done
done
echo "== medians (issues/s)"
for mode in none none-header hs256 rs256 rs256-nocache; do
  grep "^$mode " "$work/results" | sed 's/.*issues\/s=\([0-9.]*\).*/\1/' | sort -n \
    | awk -v m="$mode" '{v[NR]=$1} END {print m, v[int((NR+1)/2)]}'
done
