#!/usr/bin/env bash
# The nightly soak (not part of CI): the suite as scripts/run.sh starts it (Release, SQLite, Redis,
# the demo data, a data directory of its own), then reads through the gateway with wrk — the plan
# tree, the KPI summary, the survey list and a question's statistics, 16 connections — while a
# planner writes a node every 100 ms, for SOKEI_SOAK_MINUTES (10). Every minute it prints each
# process's RSS and the minute's read p99; at the end the first and last minute side by side.
# Exits 1 when a process's RSS grew by more than half, or the last minute's p99 is over three
# times the first's (a leak or a slowdown that builds up), or a write failed.
# usage: scripts/soak.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
minutes=${1:-${SOKEI_SOAK_MINUTES:-10}}
if ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
work=$(mktemp -d /tmp/sokei-soak-XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export SOKEI_DATA_DIR=$work/var
export SOKEI_PLAN_ADDR=127.0.0.1:$(free_port) SOKEI_KPI_ADDR=127.0.0.1:$(free_port)
export SOKEI_SURVEY_ADDR=127.0.0.1:$(free_port) SOKEI_GATEWAY_HTTP_ADDR=127.0.0.1:$(free_port)
export SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:$(free_port) SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:$(free_port)
export SOKEI_REDIS_ADDR=127.0.0.1:$(free_port) SOKEI_GATEWAY_RATE=0
redis-server --port "${SOKEI_REDIS_ADDR##*:}" --bind 127.0.0.1 --save "" --appendonly no \
  --maxmemory 256mb --maxmemory-policy allkeys-lru >"$work/redis.log" 2>&1 &
redis_pid=$!
bash scripts/run.sh >"$work/run.log" 2>&1 &
run_pid=$!
cleanup() {
  kill "$run_pid" "$redis_pid" 2>/dev/null || true
  wait "$run_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 1200); do
  grep -q "Sokei is running" "$work/run.log" && break
  kill -0 "$run_pid" 2>/dev/null || { cat "$work/run.log"; exit 1; }
  sleep 1
done
grep -q "Sokei is running" "$work/run.log" || { echo "the suite did not start"; exit 1; }
token() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$SOKEI_DATA_DIR/dev-tokens.json" "$1"; }
pid_on() { ss -Hltnp "sport = :${1##*:}" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
declare -A pids=([plan]=$(pid_on "$SOKEI_PLAN_ADDR") [kpi]=$(pid_on "$SOKEI_KPI_ADDR")
                 [survey]=$(pid_on "$SOKEI_SURVEY_ADDR") [gateway]=$(pid_on "$SOKEI_GATEWAY_HTTP_ADDR"))
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

base=http://$SOKEI_GATEWAY_HTTP_ADDR
cat >"$work/reads.lua" <<LUA
local paths = {
  "/v1/municipalities/142140/plans/next-basic-plan:tree",
  "/v1/municipalities/142140/plans/5th-implementation:kpiSummary?fiscalYear=2020",
  "/v1/municipalities/142140/surveys",
  "/v1/municipalities/142140/surveys/citizen-2024/questions/consult:stats",
}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[i % #paths + 1], {["Authorization"] = "Bearer $(token planner)"})
end
LUA
# The writer: a node a tenth of a second under the next plan's first level.
planner=$(token planner)
(
  i=0
  while [ -f "$work/writing" ]; do
    i=$((i + 1))
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $planner" \
      -H 'Content-Type: application/json' \
      "$base/v1/municipalities/142140/plans/next-basic-plan/nodes?nodeId=soak-$i" \
      -d "{\"level\":1,\"displayName\":\"ソーク $i\"}")
    [ "$code" = 200 ] || echo "$i $code" >>"$work/write-failures"
    sleep 0.1
  done
) &
touch "$work/writing"
writer_pid=$!

printf '%-6s %10s %10s %10s %10s %9s %9s\n' minute plan_kB kpi_kB survey_kB gateway_kB req/s p99_ms
declare -A first_rss last_rss
first_p99="" last_p99=""
for m in $(seq 1 "$minutes"); do
  out=$(wrk -t2 -c16 -d60s --latency -s "$work/reads.lua" "$base" 2>&1)
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  row=()
  for p in plan kpi survey gateway; do
    r=$(rss "${pids[$p]}")
    row+=("$r")
    [ "$m" = 1 ] && first_rss[$p]=$r
    last_rss[$p]=$r
  done
  [ "$m" = 1 ] && first_p99=$p99
  last_p99=$p99
  printf '%-6s %10s %10s %10s %10s %9s %9s\n' "$m" "${row[@]}" "$rps" "$p99"
done
rm -f "$work/writing"
wait "$writer_pid" || true

status=0
echo
printf '%-8s %12s %12s\n' "" "first" "last"
for p in plan kpi survey gateway; do
  printf '%-8s %10s kB %10s kB\n' "$p" "${first_rss[$p]}" "${last_rss[$p]}"
  if [ "${last_rss[$p]}" -gt $((first_rss[$p] * 3 / 2)) ]; then
    echo "FAIL: $p grew from ${first_rss[$p]} kB to ${last_rss[$p]} kB"; status=1
  fi
done
printf '%-8s %10s ms %10s ms\n' "p99" "$first_p99" "$last_p99"
if python3 -c "import sys; sys.exit(0 if float(sys.argv[2]) > 3 * float(sys.argv[1]) else 1)" "$first_p99" "$last_p99"; then
  echo "FAIL: the read p99 went from $first_p99 ms to $last_p99 ms"; status=1
fi
if [ -s "$work/write-failures" ]; then
  echo "FAIL: $(wc -l <"$work/write-failures") writes failed (first: $(head -1 "$work/write-failures"))"; status=1
fi
exit $status
