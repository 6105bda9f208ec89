#!/usr/bin/env bash
# Installs the Debian packages EventMart builds with (only what is missing),
# and the npm packages of the operators' console and its browser test (from
# their lock files, when node_modules is missing).
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache pkg-config g++ curl
  libboost-dev librocksdb-dev librdkafka-dev libcereal-dev catch2
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  wrk kcat
  chromium
)
# Node.js 20 is expected (the CI image has it); without node at all, take Debian's.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# uPlot for the console (embedded into the binary by the build), and
# playwright-core for the browser test (it drives Debian's chromium; no
# browser is downloaded).
cd "$(dirname "$0")/.."
for dir in api/console tests/browser; do
  if [ ! -d "$dir/node_modules" ]; then
    echo "setup: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done
