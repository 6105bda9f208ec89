#!/usr/bin/env bash
# Sets up, builds Release and runs the service on 127.0.0.1:8080 with its
# data in ./data and demo data loaded. Extra arguments go to `eventmart serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DEVENTMART_TESTS=OFF >/dev/null
cmake --build build/release --target eventmart
exec build/release/tools/eventmart serve --data-dir data --listen 127.0.0.1:8080 \
  --admin-token "${EVENTMART_ADMIN_TOKEN:-change-me}" --demo "$@"
