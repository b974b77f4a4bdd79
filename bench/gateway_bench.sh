#!/usr/bin/env bash
# The gateway benchmark, in one go, one table (Release, loopback, this machine):
#   REST  — wrk against GET …:tree through the gateway, and the same bytes served statically by
#           nginx (the HTTP limit of the machine), 64 connections;
#   gRPC  — GetPlanTree called directly on the plan service, through the gateway's passthrough,
#           and through nginx grpc_pass, 64 calls in flight on one channel.
#   Then the plan service again with its Redis cache (the tree served from Redis), REST and gRPC,
#   and the reply rendering alone (json_render_bench: protobuf's printer against the gateway's).
# Installs wrk and nginx-light when missing (Debian); Redis comes with the suite's packages.
# usage: bench/gateway_bench.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
export CCACHE_DIR=${CCACHE_DIR:-$PWD/.cache/ccache}
build=${SOKEI_BENCH_BUILD_DIR:-build/bench}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=ON >/dev/null
cmake --build "$build" -j "$(nproc)" --target sokei-plan sokei-gateway sokei grpc_load json_render_bench >/dev/null

source bench/bench_work.sh gateway-bench

plan_port=$(free_port) http_port=$(free_port) ops_port=$(free_port) grpc_port=$(free_port)
static_port=$(free_port) grpc_pass_port=$(free_port)
export SOKEI_DATA_DIR=$work SOKEI_AUTH_MODE=dev SOKEI_PLAN_ADDR=127.0.0.1:$plan_port
SOKEI_THREADS=2 "$build/services/plan/sokei-plan" >"$work/plan.log" 2>&1 &
pids+=($!)
wait_port "$plan_port"
"$build/tools/sokei" --addr="$SOKEI_PLAN_ADDR" load services/plan/demo/isehara-next-plan.json >/dev/null
SOKEI_GATEWAY_DEV=1 SOKEI_GATEWAY_RATE=0 SOKEI_GATEWAY_THREADS=2 \
  SOKEI_GATEWAY_HTTP_ADDR=127.0.0.1:$http_port SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:$ops_port \
  SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:$grpc_port "$build/gateway/sokei-gateway" >"$work/gateway.log" 2>&1 &
pids+=($!)
wait_port "$http_port"
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['planner'])" "$work/dev-tokens.json")
path=/v1/municipalities/142140/plans/next-basic-plan:tree
mkdir -p "$work/www"
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$path" >"$work/www/tree.json"
# A small read too (the plan itself, ≈ 2 KB), where the gateway's own overhead shows.
small=/v1/municipalities/142140/plans/next-basic-plan
curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$small" >"$work/www/plan.json"
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
  server { listen 127.0.0.1:$grpc_pass_port http2; location / { grpc_pass grpc://127.0.0.1:$plan_port; } }
}
NGINX
mkdir -p "$work/tmp"
nginx -c "$work/nginx.conf" -p "$work"
wait_port "$static_port"

wrk_run() {  # wrk_run URL [header] → "rps p99_ms"
  local out
  if [ $# -gt 1 ]; then out=$(wrk -t2 -c64 -d"${seconds}s" --latency -H "$2" "$1"); else out=$(wrk -t2 -c64 -d"${seconds}s" --latency "$1"); fi
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v=v*1000}; print v}')
  local non2xx
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $4}')
  [ -n "$non2xx" ] && echo "warning: $non2xx non-2xx responses from $1" >&2
  echo "$rps $p99"
}
size=$(stat -c %s "$work/www/tree.json")
small_size=$(stat -c %s "$work/www/plan.json")
read -r static_rps static_p99 < <(wrk_run "http://127.0.0.1:$static_port/tree.json")
read -r rest_rps rest_p99 < <(wrk_run "http://127.0.0.1:$http_port$path" "Authorization: Bearer $token")
read -r static_small_rps static_small_p99 < <(wrk_run "http://127.0.0.1:$static_port/plan.json")
read -r rest_small_rps rest_small_p99 < <(wrk_run "http://127.0.0.1:$http_port$small" "Authorization: Bearer $token")
read -r direct_qps direct_p50 direct_p99 direct_err < <("$build/bench/grpc_load" --target=127.0.0.1:$plan_port --seconds="$seconds")
read -r pass_qps pass_p50 pass_p99 pass_err < <("$build/bench/grpc_load" --target=127.0.0.1:$grpc_port --seconds="$seconds" --token="$token")
read -r ngx_qps ngx_p50 ngx_p99 ngx_err < <("$build/bench/grpc_load" --target=127.0.0.1:$grpc_pass_port --seconds="$seconds")

# The same reads with the plan service's Redis cache (same database, restarted with SOKEI_REDIS_ADDR).
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port"
kill "${pids[0]}"
wait "${pids[0]}" 2>/dev/null || true
SOKEI_REDIS_ADDR=127.0.0.1:$redis_port SOKEI_THREADS=2 "$build/services/plan/sokei-plan" >"$work/plan-cached.log" 2>&1 &
pids+=($!)
wait_port "$plan_port"
for _ in $(seq 1 50); do
  curl -sf -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$path" && break
  sleep 0.2
done
read -r cached_rest_rps cached_rest_p99 < <(wrk_run "http://127.0.0.1:$http_port$path" "Authorization: Bearer $token")
read -r cached_direct_qps cached_direct_p50 cached_direct_p99 cached_direct_err < <("$build/bench/grpc_load" --target=127.0.0.1:$plan_port --seconds="$seconds")
read -r cached_pass_qps cached_pass_p50 cached_pass_p99 cached_pass_err < <("$build/bench/grpc_load" --target=127.0.0.1:$grpc_port --seconds="$seconds" --token="$token")

ratio() { python3 -c "print(f'{$1/$2*100:.0f}%')"; }
printf '\ngateway_bench: GetPlanTree of the Isehara next plan (%s bytes of JSON), %ss per row, 64 in flight\n\n' "$size" "$seconds"
printf '  %-52s %10s %9s %9s %12s\n' "path" "req/s" "p50 ms" "p99 ms" "vs reference"
printf '  %-52s %10.0f %9s %9.2f %12s\n' "REST: nginx static, same bytes (reference)" "$static_rps" "-" "$static_p99" "100%"
printf '  %-52s %10.0f %9s %9.2f %12s\n' "REST: through sokei-gateway (JWT, transcoded)" "$rest_rps" "-" "$rest_p99" "$(ratio "$rest_rps" "$static_rps")"
printf '  %-52s %10.0f %9s %9.2f %12s\n' "REST small ($small_size B GetPlan): nginx static" "$static_small_rps" "-" "$static_small_p99" "100%"
printf '  %-52s %10.0f %9s %9.2f %12s\n' "REST small: through sokei-gateway" "$rest_small_rps" "-" "$rest_small_p99" "$(ratio "$rest_small_rps" "$static_small_rps")"
printf '  %-52s %10.0f %9.2f %9.2f %12s\n' "gRPC: plan service directly (reference)" "$direct_qps" "$direct_p50" "$direct_p99" "100%"
printf '  %-52s %10.0f %9.2f %9.2f %12s\n' "gRPC: through the gateway's passthrough (JWT)" "$pass_qps" "$pass_p50" "$pass_p99" "$(ratio "$pass_qps" "$direct_qps")"
printf '  %-52s %10.0f %9.2f %9.2f %12s\n' "gRPC: through nginx grpc_pass" "$ngx_qps" "$ngx_p50" "$ngx_p99" "$(ratio "$ngx_qps" "$direct_qps")"
printf '  %-52s %10s\n' "with the plan service's Redis cache:" ""
printf '  %-52s %10.0f %9s %9.2f %12s\n' "REST: through sokei-gateway, cached" "$cached_rest_rps" "-" "$cached_rest_p99" "$(ratio "$cached_rest_rps" "$static_rps")"
printf '  %-52s %10.0f %9.2f %9.2f %12s\n' "gRPC: plan service directly, cached (reference)" "$cached_direct_qps" "$cached_direct_p50" "$cached_direct_p99" "100%"
printf '  %-52s %10.0f %9.2f %9.2f %12s\n' "gRPC: through the passthrough, cached" "$cached_pass_qps" "$cached_pass_p50" "$cached_pass_p99" "$(ratio "$cached_pass_qps" "$cached_direct_qps")"
printf '\n  errors: direct %s, passthrough %s, nginx %s, cached %s/%s\n' "$direct_err" "$pass_err" "$ngx_err" "$cached_direct_err" "$cached_pass_err"
echo
"$build/bench/json_render_bench" "$work/www/tree.json" 200 | sed 's/^/  /'
echo "  targets: passthrough ≥ 40% of direct; REST ≥ 30% of nginx static with p99 ≤ 10 ms (uncached), ≥ 50% cached"
