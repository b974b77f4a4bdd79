#!/usr/bin/env bash
# The README's run command: installs what is missing, builds (Release), starts the Sokei suite on
# loopback with SQLite under var/, loads the demo plans on first start, prints the endpoints and
# stops everything cleanly on Ctrl-C.
# Addresses can be overridden with SOKEI_PLAN_ADDR etc. (docs/architecture.md, "Operations").
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/deps.sh
export CCACHE_DIR=${CCACHE_DIR:-$root/.cache/ccache}
build=${SOKEI_RUN_BUILD_DIR:-build/release}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSOKEI_TESTS=OFF -DSOKEI_BENCH=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target sokei-plan sokei-kpi sokei-survey sokei-gateway sokei
# The web console, built against this gateway's REST contract and served by the gateway.
bash scripts/build_console.sh "$build/gateway/sokei-gateway"

export SOKEI_DATA_DIR=${SOKEI_DATA_DIR:-$root/var}
export SOKEI_PLAN_ADDR=${SOKEI_PLAN_ADDR:-127.0.0.1:50051}
export SOKEI_KPI_ADDR=${SOKEI_KPI_ADDR:-127.0.0.1:50052}
export SOKEI_SURVEY_ADDR=${SOKEI_SURVEY_ADDR:-127.0.0.1:50053}
export SOKEI_GATEWAY_HTTP_ADDR=${SOKEI_GATEWAY_HTTP_ADDR:-127.0.0.1:8080}
export SOKEI_GATEWAY_OPS_ADDR=${SOKEI_GATEWAY_OPS_ADDR:-127.0.0.1:8081}
export SOKEI_GATEWAY_GRPC_ADDR=${SOKEI_GATEWAY_GRPC_ADDR:-127.0.0.1:9090}
# Locally the services also take calls without a principal (the CLI talks to them directly) and act
# as a local admin; calls through the gateway carry the principal of the token, checked as always.
export SOKEI_AUTH_MODE=${SOKEI_AUTH_MODE:-dev}
mkdir -p "$SOKEI_DATA_DIR"

pids=()
redis_note="off (redis-server not installed)"
if [ -z "${SOKEI_REDIS_ADDR:-}" ] && command -v redis-server >/dev/null; then
  export SOKEI_REDIS_ADDR=127.0.0.1:6379
  mkdir -p "$SOKEI_DATA_DIR/redis"
  redis-server --port 6379 --bind 127.0.0.1 --dir "$SOKEI_DATA_DIR/redis" --save "" \
    --appendonly no --maxmemory 256mb --maxmemory-policy allkeys-lru \
    >>"$SOKEI_DATA_DIR/redis.log" 2>&1 &
  pids+=($!)
fi
[ -n "${SOKEI_REDIS_ADDR:-}" ] && redis_note="redis://$SOKEI_REDIS_ADDR (cache; the suite works without it)"
stop() {
  trap - INT TERM EXIT
  echo
  echo "stopping…"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "stopped."
}
trap stop INT TERM EXIT

# start NAME BINARY ADDR: runs a service with its log in the data directory and waits for its port;
# sets $started_pid.
start() {
  local name=$1 bin=$2 port=${3##*:}
  "$bin" >>"$SOKEI_DATA_DIR/$name.log" 2>&1 &
  started_pid=$!
  pids+=($started_pid)
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! kill -0 "$started_pid" 2>/dev/null; then
      echo "sokei-$name failed to start; see $SOKEI_DATA_DIR/$name.log" >&2
      tail -5 "$SOKEI_DATA_DIR/$name.log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "sokei-$name did not open $3; see $SOKEI_DATA_DIR/$name.log" >&2
  exit 1
}
cli="$build/tools/sokei"
start plan "$build/services/plan/sokei-plan" "$SOKEI_PLAN_ADDR"
plan_pid=$started_pid
start kpi "$build/services/kpi/sokei-kpi" "$SOKEI_KPI_ADDR"
kpi_pid=$started_pid
start survey "$build/services/survey/sokei-survey" "$SOKEI_SURVEY_ADDR"
survey_pid=$started_pid

if [ ! -f "$SOKEI_DATA_DIR/.demo-loaded" ]; then
  "$cli" load services/plan/demo/*.json
  touch "$SOKEI_DATA_DIR/.demo-loaded"
fi
# The Isehara 5th plan's FY2020 progress table (seed 001, kept in the repository), imported as a
# city would.
seed=$root/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv
if [ ! -f "$SOKEI_DATA_DIR/.demo-kpi-loaded" ]; then
  "$cli" load services/plan/demo/isehara-5th-implementation-plan.json
  "$cli" import progress-table "$seed" --plan municipalities/142140/plans/5th-implementation
  # A SAMPLE budget / settlement table (made-up amounts, services/kpi/demo/make_sample_costs.py)
  # for the 事業 of seed 001, through the real cost importer, with a sample 人件費単価.
  "$cli" import cost-table services/kpi/demo/isehara-5th-sample-costs-fy2020.tsv \
    --plan municipalities/142140/plans/5th-implementation --year 2020 --rate 8000000
  touch "$SOKEI_DATA_DIR/.demo-kpi-loaded"
fi

# The gateway with a local development key; ready tokens per role in $SOKEI_DATA_DIR/dev-tokens.json.
export SOKEI_GATEWAY_DEV=1
# The console at / and /app/…; published results readable by citizens without signing in.
export SOKEI_GATEWAY_CONSOLE_DIR=${SOKEI_GATEWAY_CONSOLE_DIR:-$root/web/dist}
export SOKEI_GATEWAY_ANONYMOUS_PUBLIC=${SOKEI_GATEWAY_ANONYMOUS_PUBLIC:-1}
start gateway "$build/gateway/sokei-gateway" "$SOKEI_GATEWAY_HTTP_ADDR"
gateway_pid=$started_pid
token() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$SOKEI_DATA_DIR/dev-tokens.json" "$1"; }

# Two waves of the (generated, deterministic) Isehara 市民意識調査; the 2024 wave feeds the
# 「相談できると回答した割合」 indicator of the next plan.
if [ ! -f "$SOKEI_DATA_DIR/.demo-survey-loaded" ]; then
  "$cli" survey demo --year 2023 --shift -0.2
  "$cli" survey demo --year 2024 --kpi-link
  touch "$SOKEI_DATA_DIR/.demo-survey-loaded"
fi

cat <<INFO

Sokei is running (data in $SOKEI_DATA_DIR, logs in $SOKEI_DATA_DIR/*.log):
  web console    http://$SOKEI_GATEWAY_HTTP_ADDR/   (sign in with a dev role at /app/signin; citizens' pages need none)
  plan service   grpc://$SOKEI_PLAN_ADDR   (sokei.plan.v1.PlanService, health, reflection)
  KPI service    grpc://$SOKEI_KPI_ADDR   (sokei.kpi.v1.KpiService, health, reflection)
  survey service grpc://$SOKEI_SURVEY_ADDR   (sokei.survey.v1.SurveyService, health, reflection)
  gateway        http://$SOKEI_GATEWAY_HTTP_ADDR   (REST/JSON of every service; /openapi.json, /healthz, /readyz)
                 grpc://$SOKEI_GATEWAY_GRPC_ADDR   (gRPC passthrough of every sokei.* method, token in "authorization")
                 http://$SOKEI_GATEWAY_OPS_ADDR/metrics   (operations port)
  dev tokens     $SOKEI_DATA_DIR/dev-tokens.json   (admin, planner, editor of 企画政策課, editor of 子育て支援課, viewer, public; 30 days)
  storage        ${SOKEI_PG_DSN:+PostgreSQL ($SOKEI_PG_DSN)}${SOKEI_PG_DSN:-SQLite in $SOKEI_DATA_DIR}
  cache          $redis_note
  CLI            $cli --help

Try:  $cli plans list
      $cli plan tree municipalities/142140/plans/next-basic-plan
      $cli summary --plan municipalities/142140/plans/5th-implementation --year 2020
      $cli indicator history municipalities/142140/indicators/5th-implementation-39-105
      $cli export progress-table --plan municipalities/142140/plans/5th-implementation --year 2020 --format xlsx
      $cli survey stats municipalities/142140/surveys/citizen-2024/questions/consult --weighted
      $cli survey crosstab municipalities/142140/surveys/citizen-2024/questions/settle --by district,age --published
      $cli survey cs municipalities/142140/surveys/citizen-2024
      $cli survey compare municipalities/142140/surveys/citizen-2024/questions/sat-11 municipalities/142140/surveys/citizen-2023/questions/sat-11
      $cli survey publish municipalities/142140/surveys/citizen-2024   (irreversible: freezes the demo survey's data; delete var/ to start over)

REST through the gateway (a planner of 伊勢原市):
  curl -H "Authorization: Bearer $(token planner)" http://$SOKEI_GATEWAY_HTTP_ADDR/v1/municipalities/142140/plans/next-basic-plan:tree
  curl -H "Authorization: Bearer $(token viewer)" "http://$SOKEI_GATEWAY_HTTP_ADDR/v1/municipalities/142140/plans/5th-implementation:kpiSummary?fiscalYear=2020"
  curl -H "Authorization: Bearer $(token public)" http://$SOKEI_GATEWAY_HTTP_ADDR/v1/municipalities/142140/surveys

Tokens:
  admin    $(token admin)
  planner  $(token planner)
  editor   $(token editor)
  viewer   $(token viewer)
  public   $(token public)
Press Ctrl-C to stop.
INFO
wait -n "$plan_pid" "$kpi_pid" "$survey_pid" "$gateway_pid"
