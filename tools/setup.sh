#!/usr/bin/env bash
# Installs the Debian packages EventMart builds with (only what is missing).
set -euo pipefail

PACKAGES=(
  cmake ninja-build ccache pkg-config g++ curl
  libboost-dev librocksdb-dev librdkafka-dev libcereal-dev catch2
  nlohmann-json3-dev libfmt-dev libspdlog-dev libcli11-dev
  wrk kcat
)

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
