#!/usr/bin/env bash
# The suite as production runs it, black-box: the three services in metadata mode trusting the
# gateway's identity key, the gateway out of dev mode (an identity provider's RS256 key, its own
# Ed25519 signing key), and the CLI with profiles. Checks that the CLI reaches everything through
# the gateway with a profile's token (a KPI import asks the plan service with the caller's proof,
# across real processes), that a call straight to a service port is refused, that a viewer
# cannot write and a token from another key is refused, that flag typos are errors, and that
# `sokei audit` shows all three services.
# usage: production_e2e_test.sh PLAN KPI SURVEY GATEWAY CLI SOURCE_DIR
set -euo pipefail
plan_bin=$1 kpi_bin=$2 survey_bin=$3 gateway_bin=$4 cli=$5 src=$6
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
source "$src/tests/e2e/start_service.sh"
passed=0 failed=0
check() {  # check NAME COMMAND… : the command must succeed
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $name"; sed 's/^/    /' "$work/out" | head -20; fi
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

# Keys: the gateway's identity pair, and an identity provider's RS256 pair (plus a stranger's).
openssl genpkey -algorithm ed25519 -out "$work/identity.key" 2>/dev/null
openssl pkey -in "$work/identity.key" -pubout -out "$work/trust.pem"
for k in idp stranger; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$work/$k.key" 2>/dev/null
done
openssl pkey -in "$work/idp.key" -pubout -out "$work/idp.pem"
# jwt KEY SUB ROLE MUNICIPALITY: an RS256 token as the provider would issue it.
jwt() {
  python3 - "$@" <<'PY'
import base64, json, subprocess, sys, time
key, sub, role, municipality = sys.argv[1:5]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
header = b64(json.dumps({"alg": "RS256", "typ": "JWT", "kid": "idp"}).encode())
claims = b64(json.dumps({"iss": "https://idp.example.lg.jp", "aud": "sokei", "sub": sub,
                         "roles": [role], "municipality": municipality,
                         "iat": int(time.time()), "exp": int(time.time()) + 600}).encode())
signed = f"{header}.{claims}".encode()
sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key], input=signed,
                     capture_output=True, check=True).stdout
print(f"{header}.{claims}.{b64(sig)}")
PY
}
jwt "$work/idp.key" root admin '*' >"$work/admin.token"
jwt "$work/stranger.key" root admin '*' >"$work/forged.token"
viewer_token=$(jwt "$work/idp.key" yamada viewer 142140)

export SOKEI_DATA_DIR=$work/var SOKEI_AUTH_MODE=metadata SOKEI_IDENTITY_TRUST_FILE=$work/trust.pem
SOKEI_PLAN_OPS_ADDR=127.0.0.1:0 SOKEI_KPI_OPS_ADDR=127.0.0.1:0 SOKEI_SURVEY_OPS_ADDR=127.0.0.1:0 \
  start_services "$plan_bin" "$kpi_bin" "$survey_bin"
ops_port() { grep -o '"ops_port":"[0-9]*"' "$work"/$1.*.log | grep -o '[0-9][0-9]*' | head -1; }
kpi_ops=$(ops_port kpi)
grpc_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(
  export SOKEI_GATEWAY_JWT_ISSUER=https://idp.example.lg.jp
  export SOKEI_GATEWAY_JWT_KEYS=idp=RS256:$work/idp.pem
  export SOKEI_GATEWAY_IDENTITY_KEY_FILE=$work/identity.key
  export SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:$grpc_port SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:0
  export SOKEI_GATEWAY_RATE=0
  start_service gateway "$gateway_bin" SOKEI_GATEWAY_HTTP_ADDR
  echo "$bound_pid" >"$work/gateway.pid"
  echo "$bound_port" >"$work/gateway.port"
)
pids+=("$(cat "$work/gateway.pid")")
for _ in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $grpc_port), 1)" 2>/dev/null && break
  sleep 0.1
done

# The city's identity provider, for `sokei login` (device code): a local test provider that signs
# with the key the gateway trusts.
python3 "$src/tests/e2e/oidc_test_provider.py" "$work/idp.port" "$work/idp.key" \
  https://idp.example.lg.jp sato planner 142140 &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$work/idp.port" ] && break; sleep 0.1; done

cat >"$work/profiles.json" <<JSON
{"current": "city",
 "profiles": {
   "city": {"gateway": "127.0.0.1:$grpc_port", "tokenFile": "$work/admin.token"},
   "signin": {"gateway": "127.0.0.1:$grpc_port", "tokenFile": "$work/signin.token",
              "oidc": {"issuer": "http://127.0.0.1:$(cat "$work/idp.port")", "clientId": "sokei-cli"}},
   "viewer": {"gateway": "127.0.0.1:$grpc_port", "tokenEnv": "VIEWER_TOKEN"},
   "forged": {"gateway": "127.0.0.1:$grpc_port", "tokenFile": "$work/forged.token"}}}
JSON
export SOKEI_CONFIG=$work/profiles.json VIEWER_TOKEN=$viewer_token
seed=$src/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv

check "before sokei login, a sign-in profile says how to sign in" \
  bash -c "'$cli' --profile signin plans list 142140 2>&1 | grep -q 'not signed in (run sokei --profile signin login)'"
# The person opens the address and approves the code the CLI shows, while the CLI polls.
check "sokei login signs in with the device code and saves the token" bash -c "
  '$cli' --profile signin login 2>'$work/login.err' & login=\$!
  for _ in \$(seq 1 50); do grep -q 'enter the code' '$work/login.err' && break; sleep 0.1; done
  code=\$(grep -o 'enter the code [A-Z0-9-]*' '$work/login.err' | awk '{print \$4}')
  curl -sf \"http://127.0.0.1:$(cat "$work/idp.port")/activate?user_code=\$code\" >/dev/null &&
  wait \$login && [ \"\$(stat -c %a '$work/signin.token')\" = 600 ] || { cat '$work/login.err'; false; }"
check "the signed-in planner reads through the gateway with that token" \
  bash -c "'$cli' --profile signin plans list 142140"

check "load through the gateway with the current profile's token" \
  "$cli" load "$src/services/plan/demo/isehara-5th-implementation-plan.json"
check "plans list through the gateway" bash -c "'$cli' plans list 142140 | grep -q 5th-implementation"
check "a KPI import asks the plan service with the caller's proof, streamed with a progress bar" \
  bash -c "'$cli' import progress-table '$seed' --plan municipalities/142140/plans/5th-implementation >'$work/import' 2>'$work/import.err' &&
    grep -q '^imported' '$work/import' && grep -q 'sending .*100%' '$work/import.err'"
check "an export through the gateway downloads in parts behind a progress bar" \
  bash -c "cd '$work' && '$cli' export progress-table --plan municipalities/142140/plans/5th-implementation --year 2020 --format xlsx --out t.xlsx 2>'$work/export.err' &&
    grep -q 'receiving .*100%' '$work/export.err' && python3 -c 'import zipfile; zipfile.ZipFile(\"$work/t.xlsx\").testzip()'"
check "a viewer reads" bash -c "'$cli' --profile viewer summary --plan municipalities/142140/plans/5th-implementation --year 2020 | grep -q indicators"
check "a viewer cannot write" \
  bash -c "'$cli' --profile viewer load '$src/services/plan/demo/isesaki-action-plan.json' 2>&1 | grep -q 'may read only'"
check "a token from another key is refused" bash -c "'$cli' --profile forged plans list 142140 2>&1 | grep -q TOKEN_SIGNATURE_INVALID"
check "straight to the service port: refused" bash -c "SOKEI_CONFIG=$work/none.json '$cli' plans list 142140 2>&1 | grep -q PRINCIPAL_MISSING"
check "an unknown profile is an error" bash -c "'$cli' --profile nowhere plans list; [ \$? -eq 2 ]"
check "a flag typo is an error, not ignored" bash -c "'$cli' import progress-table '$seed' --plan municipalities/142140/plans/5th-implementation --dryrun 2>&1 | grep -q 'unknown flag --dryrun'"
check "audit shows the plan and KPI services' changes" \
  bash -c "'$cli' audit 142140 >'$work/audit' && grep -qE 'CreateNode|CreatePlan' '$work/audit' && grep -q ImportProgressTable '$work/audit'"
# One request's trace: sent by the caller, in the access lines of the gateway, KPI and plan.
trace_id=4bf92f3577b34da6a3ce929d0e0e4736
check "a caller's traceparent is followed through gateway, KPI and plan" bash -c "
  curl -sf -H 'traceparent: 00-$trace_id-00f067aa0ba902b7-01' -H \"Authorization: Bearer \$(cat '$work/admin.token')\" \
    'http://127.0.0.1:$(cat "$work/gateway.port")/v1/municipalities/142140/plans/5th-implementation:kpiSummary?fiscalYear=2020' >/dev/null &&
  grep -q '\"trace_id\":\"$trace_id\"' '$work'/gateway.*.log &&
  grep -q '\"trace_id\":\"$trace_id\"' '$work'/kpi.*.log &&
  grep -q '\"trace_id\":\"$trace_id\"' '$work'/plan.*.log"

check "the KPI service's operations port counts the calls it served" bash -c "
  curl -sf http://127.0.0.1:$kpi_ops/metrics | grep -q 'sokei_rpc_requests_total{service=\"kpi\",method=\"GetPlanSummary\",code=\"OK\"}'"

# The change feed over REST: a viewer's long-poll page waits until a write commits, then answers
# with it (the gateway gives the call the wait on top of its read budget).
check "a REST long-poll of the change feed answers with the next write" bash -c "
  curl -sf -H \"Authorization: Bearer $viewer_token\" \
    'http://127.0.0.1:$(cat "$work/gateway.port")/v1/municipalities/142140/planChanges:watch?waitSeconds=20&pageSize=5' >'$work/poll' &
  poll=\$!
  sleep 1
  curl -sf -H \"Authorization: Bearer \$(cat '$work/admin.token')\" -H 'Content-Type: application/json' \
    -d '{\"displayName\":\"第6次総合計画（案）\",\"kind\":\"PLAN_KIND_COMPREHENSIVE\",\"layer\":\"PLAN_LAYER_BASIC_PLAN\",\"period\":{\"startYear\":2028,\"endYear\":2037},\"levels\":[{\"depth\":1,\"displayName\":\"基本目標\"},{\"depth\":2,\"displayName\":\"施策\"}]}' \
    'http://127.0.0.1:$(cat "$work/gateway.port")/v1/municipalities/142140/plans?planId=6th' >'$work/create' &&
  wait \$poll &&
  grep -q '\"resource\": *\"municipalities/142140/plans/6th\"' '$work/poll' && grep -q CHANGE_TYPE_CREATED '$work/poll' ||
  { echo 'the page:'; cat '$work/poll'; echo 'the write:'; cat '$work/create'; false; }"

# Every process's metrics pass promtool's exposition check and carry what operators chart: calls,
# storage transactions, import rows, the passthrough's calls (the CLI came through it above).
for svc in plan kpi survey gateway; do
  check "$svc metrics pass promtool check metrics" bash -c "
    curl -sf http://127.0.0.1:$(ops_port $svc)/metrics >'$work/$svc.metrics' &&
    promtool check metrics <'$work/$svc.metrics'"
done
check "storage, import and passthrough metrics are there" bash -c "
  grep -q '^sokei_storage_transaction_seconds_count{service=\"plan\",mode=\"write\",outcome=\"ok\"}' '$work/plan.metrics' &&
  grep -q '^sokei_import_rows_total{service=\"kpi\",kind=\"progress_table\"} [1-9]' '$work/kpi.metrics' &&
  grep -q '^sokei_gateway_grpc_requests_total{service=\"gateway\",method=\"sokei.kpi.v1.KpiService.StreamProgressTable\",code=\"OK\"} 1' '$work/gateway.metrics' &&
  grep -q '\"msg\":\"grpc\",\"method\":\"sokei.kpi.v1.KpiService.StreamProgressTable\"' '$work'/gateway.*.log"

echo "production e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
