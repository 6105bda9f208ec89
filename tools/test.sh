#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite.
#   tools/test.sh            RelWithDebInfo (assertions on), as CI runs it
#   BUILD=release tools/test.sh    Release
#   BUILD=asan tools/test.sh       AddressSanitizer + UndefinedBehaviorSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --tests
BUILD="${BUILD:-dev}"
case "$BUILD" in
  dev) flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g") ;;
  release) flags=(-DCMAKE_BUILD_TYPE=Release) ;;
  asan) flags=(-DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DEVENTMART_SANITIZE=ON) ;;
  *) echo "BUILD must be dev, release or asan" >&2; exit 2 ;;
esac
cmake -S . -B "build/$BUILD" -G Ninja "${flags[@]}" -DEVENTMART_TESTS=ON >/dev/null
cmake --build "build/$BUILD"
cd "build/$BUILD"
ctest -j2 --output-on-failure --timeout 600
