#!/usr/bin/env bash
# Installs what EventMart builds and tests with (only what is missing):
# Debian packages, the Node packages of tests/openapi (from its lock file),
# and promtool (unpacked from Debian's prometheus package into build/tools,
# so that no Prometheus daemon is installed).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build ccache pkg-config g++ curl
  libboost-dev librocksdb-dev librdkafka-dev libcereal-dev catch2
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  wrk kcat
  dpkg-dev file fakeroot
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Commands that may come from elsewhere (Node from NodeSource, say): only when absent.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
command -v systemd-analyze >/dev/null || missing+=(systemd)  # `verify` only: containers run no systemd
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# tests/openapi: Redocly CLI, swagger-parser, openapi-response-validator.
if [ tests/openapi/package-lock.json -nt tests/openapi/node_modules/.package-lock.json ]; then
  echo "setup: npm ci in tests/openapi" >&2
  (cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# promtool, for the checks of docs/ops/*.rules.yml and of /metrics.
PROMTOOL_DIR=build/tools/prometheus
if [ ! -x "$PROMTOOL_DIR/usr/bin/promtool" ]; then
  echo "setup: unpacking promtool from Debian's prometheus package into $PROMTOOL_DIR" >&2
  mkdir -p build/tools
  (cd build/tools && { apt-get download -qq prometheus 2>/dev/null || { $SUDO apt-get update -qq && apt-get download -qq prometheus; }; })
  dpkg -x build/tools/prometheus_*.deb "$PROMTOOL_DIR"
  rm -f build/tools/prometheus_*.deb "$PROMTOOL_DIR/usr/bin/prometheus"  # the daemon is not needed
fi
