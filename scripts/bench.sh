#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them; each prints its figures beside a reference
# measured in the same run. A throwaway PostgreSQL cluster gives cache_bench its PostgreSQL row.
# usage: scripts/bench.sh [plan|cache|kpi|survey|footprint|tenant|all] [extra arguments for the
# benchmark]
# (tenant — many cities in one PostgreSQL database — takes minutes; `all` leaves it out. The
# gateway's benchmark is bench/gateway_bench.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
which=${1:-all}
[ $# -gt 0 ] && shift
bash scripts/deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
build=${SOKEI_BENCH_BUILD_DIR:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target plan_bench cache_bench kpi_bench survey_bench survey_import_bench tenant_bench \
  sokei-plan sokei-kpi sokei-survey sokei-gateway sokei
if [ "$which" = plan ] || [ "$which" = all ]; then
  "$build/bench/plan_bench" "$@" 2>&1 | grep -v '^{'
fi
if [ "$which" = cache ] || [ "$which" = all ]; then
  pg_dir=$(mktemp -d /tmp/sokei-bench-pg-XXXXXX)
  trap 'bash "$root/scripts/pg_test_cluster.sh" destroy "$pg_dir"' EXIT
  SOKEI_BENCH_PG_DSN=$(bash scripts/pg_test_cluster.sh start "$pg_dir") \
    "$build/bench/cache_bench" "$@" 2>&1 | grep -v '^{'
fi
if [ "$which" = kpi ] || [ "$which" = all ]; then
  # A throwaway redis-server for the cached row of the summary benchmark.
  redis_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
  redis_pid=$!
  sleep 0.3
  "$build/bench/kpi_bench" --redis=127.0.0.1:"$redis_port" "$@" 2>&1 | grep -v '^{'
  kill "$redis_pid" 2>/dev/null || true
fi
if [ "$which" = survey ] || [ "$which" = all ]; then
  # A throwaway sokei-survey (dev mode, SQLite) for the row through the running service.
  survey_dir=$(mktemp -d /tmp/sokei-bench-survey-XXXXXX)
  survey_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  SOKEI_DATA_DIR=$survey_dir SOKEI_AUTH_MODE=dev SOKEI_SURVEY_ADDR=127.0.0.1:$survey_port \
    "$build/services/survey/sokei-survey" >"$survey_dir/log" 2>&1 &
  survey_pid=$!
  for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$survey_port") 2>/dev/null && break; sleep 0.1; done
  "$build/bench/survey_bench" --service="127.0.0.1:$survey_port" --service-pid="$survey_pid" "$@" ||
    { kill "$survey_pid"; rm -rf "$survey_dir"; exit 1; }
  kill "$survey_pid" 2>/dev/null || true
  wait "$survey_pid" 2>/dev/null || true
  rm -rf "$survey_dir"
  "$build/bench/survey_import_bench" 2>&1 | grep -v '^{'
fi
if [ "$which" = footprint ] || [ "$which" = all ]; then
  # Cold start and idle RSS of every process beside redis-server; the survey service's memory
  # around two large imports through the running services.
  python3 bench/footprint_bench.py "$build" "$@"
fi
if [ "$which" = tenant ]; then
  pg_dir=$(mktemp -d /tmp/sokei-bench-pg-XXXXXX)
  trap 'bash "$root/scripts/pg_test_cluster.sh" destroy "$pg_dir"' EXIT
  SOKEI_BENCH_PG_DSN=$(bash scripts/pg_test_cluster.sh start "$pg_dir") \
    "$build/bench/tenant_bench" "$@" 2>&1 | grep -v '^{'
fi
