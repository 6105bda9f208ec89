#!/usr/bin/env bash
# Installs what EventMart needs, only what is missing:
#   tools/setup.sh          what the service builds with (tools/run.sh): Debian
#                           packages, and uPlot for the console (npm, lock file;
#                           the build embeds it into the binary)
#   tools/setup.sh --tests  also what the test suite needs (tools/test.sh):
#                           chromium for the browser test, the Node tools of
#                           tests/openapi and tests/browser (lock files),
#                           packaging tools, and promtool (unpacked from
#                           Debian's prometheus package into build/tools, so
#                           that no Prometheus daemon is installed)
set -euo pipefail
cd "$(dirname "$0")/.."
TESTS=0
[ "${1:-}" = "--tests" ] && TESTS=1

PACKAGES=(
  cmake ninja-build ccache pkg-config g++ curl
  libboost-dev librocksdb-dev librdkafka-dev libcereal-dev catch2
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev libssl-dev zlib1g-dev libzstd-dev
  libabsl-dev  # Abseil's flat hash map: coupon holders (domain/coupon.h)
  wrk kcat
  etcd-server  # the cluster's coordination and replicated log (serve --etcd-endpoints, dev-cluster)
)
((TESTS)) && PACKAGES+=(dpkg-dev file fakeroot chromium)
# Node.js 20 is expected (the CI image has it); without node at all, take Debian's.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# npm packages, from each folder's lock file, again whenever the lock changes.
npm_dirs=(api/console)
((TESTS)) && npm_dirs+=(tests/openapi tests/browser)
for dir in "${npm_dirs[@]}"; do
  if [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
done

# promtool, for the checks of docs/ops/*.rules.yml and of /metrics.
PROMTOOL_DIR=build/tools/prometheus
if ((TESTS)) && [ ! -x "$PROMTOOL_DIR/usr/bin/promtool" ]; then
  echo "setup: unpacking promtool from Debian's prometheus package into $PROMTOOL_DIR" >&2
  mkdir -p build/tools
  (cd build/tools && { apt-get download -qq prometheus 2>/dev/null || { $SUDO apt-get update -qq && apt-get download -qq prometheus; }; })
  dpkg -x build/tools/prometheus_*.deb "$PROMTOOL_DIR"
  rm -f build/tools/prometheus_*.deb "$PROMTOOL_DIR/usr/bin/prometheus"  # the daemon is not needed
fi
