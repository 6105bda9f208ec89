#!/usr/bin/env bash
# The decider's throughput while write-model snapshots are written:
# `eventmart bench issue` without and with snapshots every N events,
# alternated so that both see the same machine. Prints each run's rate.
#   tools/bench_snapshot_cost.sh [rounds=5] [every_events=100000]
#   BIN=path/to/eventmart   another build (default: build/release/tools/eventmart)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-5}"
EVERY="${2:-100000}"
BIN="${BIN:-build/release/tools/eventmart}"
work=$(mktemp -d /tmp/eventmart-snapcost-XXXXXX)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$ROUNDS"); do
  rm -rf "$work/a" "$work/b"
  printf 'round %d: no snapshots: ' "$round"
  "$BIN" bench issue --data-dir "$work/a" --users 200000 --writers 256 | grep issues_per_sec
  printf 'round %d: snapshots every %d events: ' "$round" "$EVERY"
  "$BIN" bench issue --data-dir "$work/b" --users 200000 --writers 256 --snapshot-every-events "$EVERY" 2>/dev/null |
    grep -E 'issues_per_sec|snapshots=' | tr '\n' ' '
  echo
done
