#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything with AddressSanitizer and
# UndefinedBehaviorSanitizer, builds the web console (npm ci), and runs every test with CTest (the
# console's vitest suite and its Playwright suite in Debian's headless Chromium included). Servers
# that tests need are started by the tests themselves on free loopback ports and stopped again.
# usage: scripts/test.sh [ctest arguments…]
set -euo pipefail
cd "$(dirname "$0")/.."

root=$PWD
bash scripts/deps.sh

build=${SOKEI_TEST_BUILD_DIR:-build/asan}
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# A throwaway PostgreSQL cluster: every storage and service suite also runs on it.
pg_dir=$(mktemp -d /tmp/sokei-pg-XXXXXX)
trap 'bash "$root/scripts/pg_test_cluster.sh" destroy "$pg_dir"' EXIT
export SOKEI_TEST_PG_DSN=$(bash scripts/pg_test_cluster.sh start "$pg_dir")
export SOKEI_TEST_PG_CLUSTER=$pg_dir SOKEI_TEST_PG_SCRIPT=$PWD/scripts/pg_test_cluster.sh

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSOKEI_SANITIZE=ON -DSOKEI_BENCH=ON \
  -DSOKEI_TESTS=ON >/dev/null
jobs=$(nproc)
cmake --build "$build" -j "$jobs"
# The web console, built against the REST contract of the gateway just built (its unit and browser
# tests run in ctest below).
bash scripts/build_console.sh "$build/gateway/sokei-gateway"
cd "$build"
ctest --output-on-failure -j "$jobs" "$@"
