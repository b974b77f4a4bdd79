#!/usr/bin/env bash
# The web console's figures, measured in one run on this machine (Release, loopback):
#   size    — the production build: JS and CSS, raw and gzip (what a browser downloads first);
#   usable  — time from navigation to the plan dashboard's grade chart drawn, in Debian's headless
#             Chromium: the Isehara 5th plan (seed 001, 111 indicators) and a synthetic plan of
#             2,000 indicators in the same shape (bench/console/synthetic_table.py);
#   static  — the gateway serving web/dist against nginx serving the same files (wrk, 32
#             connections): index.html and the main script, uncompressed on both sides, and the
#             gateway's gzip copy.
# Installs wrk and nginx-light when missing (Debian).
# usage: bench/console_bench.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-5}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
bash scripts/deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
build=${SOKEI_BENCH_BUILD_DIR:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target sokei-plan sokei-kpi sokei-survey sokei-gateway sokei >/dev/null
bash scripts/build_console.sh "$build/gateway/sokei-gateway" >/dev/null

source bench/bench_work.sh console-bench

echo "== size (web/dist; screens load their own chunks when first opened)"
gz() { gzip -9c "$1" | wc -c; }
first=$(ls web/dist/assets/index-*.js)
css=$(ls web/dist/assets/index-*.css)
chart=$(ls web/dist/assets/Chart-*.js)
printf '  first page (index js + css)   %8d bytes  gzip %7d bytes\n' "$(( $(stat -c %s "$first") + $(stat -c %s "$css") ))" "$(( $(gz "$first") + $(gz "$css") ))"
printf '  ECharts chunk (chart screens) %8d bytes  gzip %7d bytes\n' "$(stat -c %s "$chart")" "$(gz "$chart")"
total=0; total_gz=0
for f in web/dist/assets/*.js web/dist/assets/*.css; do total=$((total + $(stat -c %s "$f"))); total_gz=$((total_gz + $(gz "$f"))); done
printf '  everything                    %8d bytes  gzip %7d bytes\n' "$total" "$total_gz"

plan_port=$(free_port) kpi_port=$(free_port) survey_port=$(free_port)
http_port=$(free_port) ops_port=$(free_port) grpc_port=$(free_port) static_port=$(free_port)
export SOKEI_DATA_DIR=$work SOKEI_AUTH_MODE=dev SOKEI_PLAN_ADDR=127.0.0.1:$plan_port
export SOKEI_KPI_ADDR=127.0.0.1:$kpi_port SOKEI_SURVEY_ADDR=127.0.0.1:$survey_port
"$build/services/plan/sokei-plan" >"$work/plan.log" 2>&1 & pids+=($!)
wait_port "$plan_port"
"$build/services/kpi/sokei-kpi" >"$work/kpi.log" 2>&1 & pids+=($!)
wait_port "$kpi_port"
"$build/services/survey/sokei-survey" >"$work/survey.log" 2>&1 & pids+=($!)
wait_port "$survey_port"
cli="$build/tools/sokei"
"$cli" load services/plan/demo/*.json >/dev/null
seed=$root/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv
"$cli" import progress-table "$seed" --plan municipalities/142140/plans/5th-implementation >/dev/null
# The synthetic plan: the 5th plan's definition under another id, and a 2,000-row table.
python3 - "$work/synthetic-plan.json" <<'PY'
import json, sys
d = json.load(open("services/plan/demo/isehara-5th-implementation-plan.json"))
d["planId"] = "synthetic-2000"
d["plan"]["displayName"] = "合成計画（2,000指標）"
json.dump(d, open(sys.argv[1], "w"), ensure_ascii=False)
PY
"$cli" load "$work/synthetic-plan.json" >/dev/null
python3 bench/console/synthetic_table.py 2000 >"$work/synthetic.tsv"
"$cli" import progress-table "$work/synthetic.tsv" --plan municipalities/142140/plans/synthetic-2000 | grep -o 'indicators: [0-9]* created' || true

SOKEI_GATEWAY_DEV=1 SOKEI_GATEWAY_RATE=0 SOKEI_GATEWAY_THREADS=2 SOKEI_GATEWAY_CONSOLE_DIR=$root/web/dist \
  SOKEI_GATEWAY_HTTP_ADDR=127.0.0.1:$http_port SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:$ops_port \
  SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:$grpc_port "$build/gateway/sokei-gateway" >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_port "$http_port"
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['viewer'])" "$work/dev-tokens.json")

echo "== usable (navigation → grade chart drawn, median of 5, headless Chromium)"
for plan in 142140/5th-implementation 142140/synthetic-2000; do
  (cd web && node bench/dashboard-timing.mjs "http://127.0.0.1:$http_port" "$token" "$plan" 2020 5)
done

echo "== static files (wrk, 32 connections, ${seconds}s; gateway vs nginx on the same web/dist)"
cp -r web/dist "$work/www"
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  include /etc/nginx/mime.types;
  server { listen 127.0.0.1:$static_port; root $work/www; location / { try_files \$uri /index.html; } }
}
NGINX
nginx -c "$work/nginx.conf"
wait_port "$static_port"
js=/assets/$(basename web/dist/assets/index-*.js)
rate() { wrk -t2 -c32 -d"${seconds}s" "$@" 2>/dev/null | awk '/Requests\/sec/ {print $2}'; }
for path in / "$js"; do
  g=$(rate "http://127.0.0.1:$http_port$path")
  n=$(rate "http://127.0.0.1:$static_port$path")
  printf '  %-36s gateway %9.0f req/s   nginx %9.0f req/s   ratio %5.1f%%\n' "$path" "$g" "$n" "$(python3 -c "print(100*$g/$n)")"
done
gz=$(rate -H 'Accept-Encoding: gzip' "http://127.0.0.1:$http_port$js")
printf '  %-36s gateway %9.0f req/s   (its gzip copy, %d bytes)\n' "$js gzip" "$gz" "$(curl -s -H 'Accept-Encoding: gzip' "http://127.0.0.1:$http_port$js" | wc -c)"
