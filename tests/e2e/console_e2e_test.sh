#!/usr/bin/env bash
# The web console in real headless Chromium (Debian's) against the real gateway and the three real
# services on fresh SQLite files: the demo plans and seed 001 loaded by the CLI, then the
# Playwright suite of web/e2e (the yearly cycle, public pages, a phone, sign-out and expiry, axe).
# Screenshots land in web/e2e/artifacts/screenshots.
# usage: console_e2e_test.sh PLAN KPI SURVEY GATEWAY CLI SOURCE_DIR [PLAYWRIGHT ARGS…]
#   (e.g. `… /work/main e2e/oidc-signin.spec.ts` runs one spec file)
set -euo pipefail
plan_bin=$1 kpi_bin=$2 survey_bin=$3 gateway_bin=$4 cli=$5 src=$6
shift 6
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
if [ ! -f "$src/web/dist/index.html" ] || [ ! -d "$src/web/node_modules/@playwright/test" ]; then
  echo "the console is not built: run scripts/build_console.sh first"; exit 1
fi
export SOKEI_DATA_DIR=$work/var SOKEI_AUTH_MODE=dev ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
source "$src/tests/e2e/start_service.sh"
seed=$src/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv

start_services "$plan_bin" "$kpi_bin" "$survey_bin"
"$cli" load "$src"/services/plan/demo/*.json >"$work/load.log"
"$cli" import progress-table "$seed" --plan municipalities/142140/plans/5th-implementation >"$work/import.log"
"$cli" import cost-table "$src/services/kpi/demo/isehara-5th-sample-costs-fy2020.tsv" \
  --plan municipalities/142140/plans/5th-implementation --year 2020 --rate 8000000 >>"$work/import.log"
# The generated 市民意識調査 (2024 wave), published: what citizens see of a survey.
"$cli" survey demo --year 2024 >"$work/survey.log"
"$cli" survey publish municipalities/142140/surveys/citizen-2024 >>"$work/survey.log"

export SOKEI_GATEWAY_DEV=1 SOKEI_GATEWAY_ANONYMOUS_PUBLIC=1 SOKEI_GATEWAY_CONSOLE_DIR=$src/web/dist
export SOKEI_GATEWAY_OPS_ADDR=127.0.0.1:0 SOKEI_GATEWAY_GRPC_ADDR=127.0.0.1:0
start_service gateway "$gateway_bin" SOKEI_GATEWAY_HTTP_ADDR
url=http://127.0.0.1:$bound_port

# Staff sign-in at a real OpenID provider (oidc-provider, from the console's dev dependencies):
# it writes its public keys (the gateway reads them from a file, never over the network), a second
# gateway is configured for it, and the provider then registers that console as its client.
mkdir -p "$work/oidc"
node "$src/web/e2e/oidc/provider.mjs" "$work/oidc" >"$work/oidc.log" 2>&1 &
pids+=($!)
disown $!
for _ in $(seq 1 100); do
  idp_port=$(grep -o 'oidc-provider listening [0-9]*' "$work/oidc.log" | grep -o '[0-9]*$' || true)
  [ -n "$idp_port" ] && break
  sleep 0.1
done
[ -n "$idp_port" ] || { echo "oidc-provider did not start"; cat "$work/oidc.log"; exit 1; }
(
  unset SOKEI_GATEWAY_DEV
  export SOKEI_GATEWAY_OIDC_ISSUER=http://127.0.0.1:$idp_port SOKEI_GATEWAY_OIDC_CLIENT_ID=sokei-console
  export SOKEI_GATEWAY_JWKS_FILE=$work/oidc/jwks.json
  # A production gateway signs the identity it forwards (the dev-mode services take it as sent).
  openssl genpkey -algorithm ed25519 -out "$work/oidc/identity.key" 2>/dev/null
  export SOKEI_GATEWAY_IDENTITY_KEY_FILE=$work/oidc/identity.key
  start_service gateway "$gateway_bin" SOKEI_GATEWAY_HTTP_ADDR
  echo "$bound_pid" >"$work/oidc/gateway.pid"
  echo "http://127.0.0.1:$bound_port" >"$work/oidc/console-url"
)
pids+=("$(cat "$work/oidc/gateway.pid")")
oidc_url=$(cat "$work/oidc/console-url")

cd "$src/web"
mkdir -p e2e/artifacts/screenshots
if ! SOKEI_CONSOLE_URL=$url SOKEI_OIDC_CONSOLE_URL=$oidc_url SOKEI_SEED_001=$seed npx playwright test "$@"; then
  echo "--- gateway logs (last lines)"; tail -20 "$work"/gateway.*.log
  echo "--- oidc-provider log"; tail -20 "$work/oidc.log"
  exit 1
fi
