#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them; each prints its figures beside a reference
# measured in the same run. Extra arguments go to plan_bench (e.g. --runs=7 --seconds=3).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
build=${SOKEI_BENCH_BUILD_DIR:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target plan_bench
"$build/bench/plan_bench" "$@" 2>&1 | grep -v '^{'
