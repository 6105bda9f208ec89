#!/usr/bin/env bash
# Checks a live server's /metrics with promtool (`promtool check metrics`),
# and that every eventmart_* series the dashboard and the alerting rules in
# docs/ops use is exported (the relay's and the feed's only exist with Kafka
# or on query nodes: those are looked up in api/routes/kafka_routes.cc; the
# cluster's do not exist yet).
#   tests/ops/metrics_test.sh EVENTMART_BIN PROMTOOL DOCS_OPS_DIR
set -euo pipefail
bin=$1 promtool=$2 ops=$3
fail() { echo "FAILED: $*" >&2; exit 1; }

work=$(mktemp -d /tmp/eventmart-metrics.XXXXXX)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

mkfifo "$work/out.fifo"
"$bin" serve --data-dir "$work/data" --listen 127.0.0.1:0 --admin-token t --demo >"$work/out.fifo" 2>"$work/serve.log" &
server=$!
exec 3<"$work/out.fifo"
url=""
while IFS= read -r -t 30 line <&3; do
  if [[ $line =~ eventmart\ listening\ on\ (http://[^[:space:]]+) ]]; then url=${BASH_REMATCH[1]}; break; fi
done
[ -n "$url" ] || { cat "$work/serve.log"; fail "no start line"; }

# A little traffic, so that every family has samples.
curl -sS -o /dev/null "$url/api/v1/products"
curl -sS -o /dev/null -XPOST "$url/api/v1/points/1/charge" -d '{"amount":1000}'
curl -sS -o /dev/null "$url/api/v1/products/best"
curl -sS "$url/metrics" >"$work/metrics"

echo "== promtool check metrics"
"$promtool" check metrics <"$work/metrics" || fail "promtool check metrics"

echo "== series used by docs/ops"
used=$(grep -ohE 'eventmart_[a-z_]+' "$ops"/*.json "$ops"/*.rules.yml | sed -E 's/_(bucket|sum|count)$//' | sort -u)
missing=0
for name in $used; do
  case $name in
    eventmart_cluster_*) echo "later $name (clustered servers only)"; continue ;;
    eventmart_relay_* | eventmart_feed_*)
      if grep -q "\"$name\"" "$ops/../../api/routes/kafka_routes.cc"; then echo "ok $name (kafka_routes.cc)"; else echo "MISSING $name"; missing=1; fi
      continue ;;
  esac
  if grep -qE "^# TYPE $name " "$work/metrics"; then
    echo "ok $name"
  else
    echo "MISSING $name"
    missing=1
  fi
done
[ "$missing" -eq 0 ] || fail "docs/ops uses series /metrics does not export"
kill -TERM "$server"
wait "$server" || fail "serve did not stop cleanly"
server=""
echo "PASSED"
