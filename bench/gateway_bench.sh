#!/usr/bin/env bash
# The gateway benchmark, in one go, one table (Release, loopback, this machine; medians of RUNS
# runs of SECONDS each, rows interleaved so drift hits all):
#   REST — wrk, 64 connections, against three reads through the gateway: the Isehara next plan's
#          tree (≈ 76 KB), the plan itself (a small read) and the Isehara 5th plan's kpiSummary for
#          FY2020 (≈ 100 KB; its progress table imported first) — each beside nginx serving the
#          same bytes as a static file (the machine's HTTP limit), twice: with its access log on, as
#          nginx ships (one line written per request, as the gateway writes one), which is the
#          reference, and with the log off (printed beside it). Each read twice: through a
#          gateway with its response cache off (SOKEI_GATEWAY_RESPONSE_CACHE_MB=0: every request
#          goes to the service, the services' Redis caches warm) and through one with it on.
#   gRPC — GetPlanTree (heavy) and GetPlan (small) called directly on the plan service, through
#          the gateway's passthrough, through nginx grpc_pass, and through grpc_bare_proxy: a
#          proxy on the same gRPC library with nothing of Sokei's in it (the library's own floor
#          for a proxy), built on the callback API as the passthrough is and on completion
#          queues; 64 calls in flight.
#   Then the reply rendering alone (json_render_bench: protobuf's printer against the gateway's).
# Installs wrk and nginx-light when missing (Debian); Redis comes with the suite's packages.
# usage: bench/gateway_bench.sh [SECONDS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-5}
runs=${2:-3}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
build=${SOKEI_BENCH_BUILD_DIR:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target sokei-plan sokei-kpi sokei-survey sokei-gateway sokei grpc_load grpc_bare_proxy json_render_bench >/dev/null

source bench/bench_work.sh gateway-bench

plan_port=$(free_port) kpi_port=$(free_port) survey_port=$(free_port) redis_port=$(free_port)
http_port=$(free_port) ops_port=$(free_port) grpc_port=$(free_port)
http2_port=$(free_port) ops2_port=$(free_port) grpc2_port=$(free_port)
static_port=$(free_port) logged_port=$(free_port) grpc_pass_port=$(free_port)
bare_port=$(free_port) bare_cq_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
export SOKEI_DATA_DIR=$work SOKEI_AUTH_MODE=dev SOKEI_PLAN_ADDR=127.0.0.1:$plan_port
export SOKEI_KPI_ADDR=127.0.0.1:$kpi_port SOKEI_SURVEY_ADDR=127.0.0.1:$survey_port
export SOKEI_REDIS_ADDR=127.0.0.1:$redis_port
SOKEI_THREADS=2 "$build/services/plan/sokei-plan" >"$work/plan.log" 2>&1 &
pids+=($!)
SOKEI_THREADS=2 "$build/services/kpi/sokei-kpi" >"$work/kpi.log" 2>&1 &
pids+=($!)
# The survey service too: the response cache follows every service's change feed.
SOKEI_THREADS=2 "$build/services/survey/sokei-survey" >"$work/survey.log" 2>&1 &
pids+=($!)
wait_port "$plan_port"
wait_port "$kpi_port"
wait_port "$survey_port"
"$build/bench/grpc_bare_proxy" --listen=127.0.0.1:$bare_port --upstream=127.0.0.1:$plan_port \
  >"$work/bare.log" 2>&1 &
pids+=($!)
"$build/bench/grpc_bare_proxy" --listen=127.0.0.1:$bare_cq_port --upstream=127.0.0.1:$plan_port \
  --mode=cq --threads=2 >"$work/bare-cq.log" 2>&1 &
pids+=($!)
wait_port "$bare_port"
wait_port "$bare_cq_port"
"$build/tools/sokei" load services/plan/demo/isehara-next-plan.json >/dev/null
"$build/tools/sokei" load services/plan/demo/isehara-5th-implementation-plan.json >/dev/null
"$build/tools/sokei" import progress-table services/kpi/demo/isehara-5th-progress-table-fy2020.tsv \
  --plan municipalities/142140/plans/5th-implementation >/dev/null
# Two gateways in front of the same services: the response cache off, and on (64 MB).
start_gateway() {  # start_gateway HTTP OPS GRPC CACHE_MB
  SOKEI_GATEWAY_DEV=1 SOKEI_GATEWAY_RATE=0 SOKEI_GATEWAY_THREADS=2 SOKEI_GATEWAY_RESPONSE_CACHE_MB=$4 \
    SOKEI_GATEWAY_HTTP_ADDR=127.0.0.1:$1 SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:$2 \
    SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:$3 "$build/gateway/sokei-gateway" >"$work/gateway-$4.log" 2>&1 &
  pids+=($!)
  wait_port "$1"
}
start_gateway "$http_port" "$ops_port" "$grpc_port" 0
start_gateway "$http2_port" "$ops2_port" "$grpc2_port" 64
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['planner'])" "$work/dev-tokens.json")
auth="Authorization: Bearer $token"
tree=/v1/municipalities/142140/plans/next-basic-plan:tree
small=/v1/municipalities/142140/plans/next-basic-plan
summary='/v1/municipalities/142140/plans/5th-implementation:kpiSummary?fiscalYear=2020'
mkdir -p "$work/www"
curl -sf -H "$auth" "http://127.0.0.1:$http_port$tree" >"$work/www/tree.json"
curl -sf -H "$auth" "http://127.0.0.1:$http_port$small" >"$work/www/plan.json"
curl -sf -H "$auth" "http://127.0.0.1:$http_port$summary" >"$work/www/summary.json"
# The cached gateway answers with the same bytes.
for p in "$tree" "$small" "$summary"; do
  for _ in 1 2; do curl -sf -H "$auth" "http://127.0.0.1:$http2_port$p" >"$work/cached.json"; done
  cmp -s "$work/cached.json" <(curl -sf -H "$auth" "http://127.0.0.1:$http_port$p") ||
    { echo "the cached gateway answered $p differently" >&2; exit 1; }
done
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:$static_port; location / { root $work/www; default_type application/json; } }
  server { listen 127.0.0.1:$logged_port; access_log $work/nginx-access.log;
           location / { root $work/www; default_type application/json; } }
  server { listen 127.0.0.1:$grpc_pass_port http2; location / { grpc_pass grpc://127.0.0.1:$plan_port; } }
}
NGINX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work"
wait_port "$static_port"
wait_port "$logged_port"

wrk_run() {  # wrk_run URL [header] → "rps p50_ms p99_ms"
  local out
  if [ $# -gt 1 ]; then out=$(wrk -t2 -c64 -d"${seconds}s" --latency -H "$2" "$1"); else out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$1"); fi
  local non2xx
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  [ -n "$non2xx" ] && echo "warning: $non2xx non-2xx responses from $1" >&2
  echo "$out" | awk '
    function ms(v) { if (v ~ /us$/) { sub(/us/, "", v); return v / 1000 } if (v ~ /ms$/) { sub(/ms/, "", v); return v } sub(/s/, "", v); return v * 1000 }
    /Requests\/sec/ { rps = $2 } $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    END { print rps, p50, p99 }'
}
grpc_run() {  # grpc_run TARGET METHOD [TOKEN] → "qps p50_ms p99_ms errors"
  "$build/bench/grpc_load" --target="$1" --method="$2" --seconds="$seconds" \
    --plan=municipalities/142140/plans/next-basic-plan ${3:+--token="$3"}
}
# Every row RUNS times, interleaved; each result line appended to its row's file.
rows=(logged-tree static-tree rest-tree cached-tree logged-small static-small rest-small cached-small
      logged-summary static-summary rest-summary cached-summary
      grpc-tree pass-tree ngx-tree bare-tree bareq-tree
      grpc-small pass-small ngx-small bare-small bareq-small)
for r in $(seq 1 "$runs"); do
  wrk_run "http://127.0.0.1:$logged_port/tree.json" >>"$work/logged-tree"
  wrk_run "http://127.0.0.1:$static_port/tree.json" >>"$work/static-tree"
  wrk_run "http://127.0.0.1:$http_port$tree" "$auth" >>"$work/rest-tree"
  wrk_run "http://127.0.0.1:$http2_port$tree" "$auth" >>"$work/cached-tree"
  wrk_run "http://127.0.0.1:$logged_port/plan.json" >>"$work/logged-small"
  wrk_run "http://127.0.0.1:$static_port/plan.json" >>"$work/static-small"
  wrk_run "http://127.0.0.1:$http_port$small" "$auth" >>"$work/rest-small"
  wrk_run "http://127.0.0.1:$http2_port$small" "$auth" >>"$work/cached-small"
  wrk_run "http://127.0.0.1:$logged_port/summary.json" >>"$work/logged-summary"
  wrk_run "http://127.0.0.1:$static_port/summary.json" >>"$work/static-summary"
  wrk_run "http://127.0.0.1:$http_port$summary" "$auth" >>"$work/rest-summary"
  wrk_run "http://127.0.0.1:$http2_port$summary" "$auth" >>"$work/cached-summary"
  grpc_run "127.0.0.1:$plan_port" tree >>"$work/grpc-tree"
  grpc_run "127.0.0.1:$grpc_port" tree "$token" >>"$work/pass-tree"
  grpc_run "127.0.0.1:$grpc_pass_port" tree >>"$work/ngx-tree"
  grpc_run "127.0.0.1:$bare_port" tree >>"$work/bare-tree"
  grpc_run "127.0.0.1:$bare_cq_port" tree >>"$work/bareq-tree"
  grpc_run "127.0.0.1:$plan_port" plan >>"$work/grpc-small"
  grpc_run "127.0.0.1:$grpc_port" plan "$token" >>"$work/pass-small"
  grpc_run "127.0.0.1:$grpc_pass_port" plan >>"$work/ngx-small"
  grpc_run "127.0.0.1:$bare_port" plan >>"$work/bare-small"
  grpc_run "127.0.0.1:$bare_cq_port" plan >>"$work/bareq-small"
done
# The median run of a row (by its first column) as "rate p50 p99 [errors]".
median() { sort -n -k1,1 "$work/$1" | awk -v n="$runs" 'NR == int((n + 1) / 2)'; }
declare -A rate p50 p99
for row in "${rows[@]}"; do read -r rate[$row] p50[$row] p99[$row] _ < <(median "$row"); done
ratio() { python3 -c "print(f'{$1/$2*100:.0f}%')"; }
line() {  # line LABEL ROW REFERENCE_ROW [SECOND_REFERENCE_ROW]
  printf '  %-56s %10.0f %9.2f %9.2f %12s %14s\n' "$1" "${rate[$2]}" "${p50[$2]}" "${p99[$2]}" \
    "$(ratio "${rate[$2]}" "${rate[$3]}")" "${4:+$(ratio "${rate[$2]}" "${rate[$4]}")}"
}
printf '\ngateway_bench: %s cores; medians of %s runs of %ss; 64 in flight\n' "$(nproc)" "$runs" "$seconds"
printf '  %-56s %10s %9s %9s %12s %14s\n' "path" "req/s" "p50 ms" "p99 ms" "vs reference" "vs nginx no log"
for what in tree small summary; do
  case $what in
    tree) label="GetPlanTree, $(stat -c %s "$work/www/tree.json") B" ;;
    small) label="GetPlan (small read), $(stat -c %s "$work/www/plan.json") B" ;;
    summary) label="kpiSummary FY2020, $(stat -c %s "$work/www/summary.json") B" ;;
  esac
  line "REST $label: nginx static, access log on (reference)" "logged-$what" "logged-$what" "static-$what"
  line "  nginx static, access log off" "static-$what" "logged-$what" "static-$what"
  line "  through sokei-gateway, response cache off" "rest-$what" "logged-$what" "static-$what"
  line "  through sokei-gateway, response cache on" "cached-$what" "logged-$what" "static-$what"
done
printf '  %-56s %10s %9s %9s %12s %14s\n' "" "" "" "" "" "vs bare proxy"
for what in tree small; do
  case $what in
    tree) label="GetPlanTree" ;;
    small) label="GetPlan (small)" ;;
  esac
  line "gRPC $label: plan service directly (reference)" "grpc-$what" "grpc-$what" "bare-$what"
  line "  through the gateway's passthrough (JWT)" "pass-$what" "grpc-$what" "bare-$what"
  line "  through nginx grpc_pass" "ngx-$what" "grpc-$what" "bare-$what"
  line "  through a bare gRPC proxy (same library), callback API" "bare-$what" "grpc-$what" "bare-$what"
  line "  through a bare gRPC proxy (same library), CQ API" "bareq-$what" "grpc-$what" "bare-$what"
done
hits=$(curl -sf "http://127.0.0.1:$ops2_port/metrics" | awk '/^sokei_gateway_response_cache_total\{.*result="hit"/ {print $2}')
misses=$(curl -sf "http://127.0.0.1:$ops2_port/metrics" | awk '/^sokei_gateway_response_cache_total\{.*result="miss"/ {print $2}')
printf '\n  the cached gateway: %s hits, %s misses\n\n' "${hits:-0}" "${misses:-0}"
"$build/bench/json_render_bench" "$work/www/tree.json" 200 | sed 's/^/  /'
echo "  targets: REST ≥ 50% of nginx static with p99 ≤ 10 ms (response cache on); passthrough ≥ 60% of direct"
echo "  (the bare proxies forward bytes with no authentication, log or metrics: the library's floor)"
echo "  (the gateway writes a JSON access line per request, unbuffered, as nginx's default access log does)"
