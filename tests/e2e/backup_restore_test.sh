#!/usr/bin/env bash
# The restore of docs/deploy.md, tested: the services on PostgreSQL (the cluster scripts/test.sh
# starts), the Isehara 5th plan loaded and seed 001 imported; pg_dump --format=custom as the
# backup CronJob runs it; pg_restore into an empty database; the services started on the restored
# database read the same plans, the same KPI summary and the same audit trail.
# usage: backup_restore_test.sh PLAN_BINARY KPI_BINARY CLI SOURCE_DIR
set -euo pipefail
plan_bin=$1 kpi_bin=$2 cli=$3 src=$4
if [ -z "${SOKEI_TEST_PG_DSN:-}" ]; then
  echo "no PostgreSQL test cluster (scripts/test.sh starts one)"; exit 1
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $name"; sed 's/^/    /' "$work/out" | head -20; fi
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
src_db=restore_src_$$ dst_db=restore_dst_$$
psql "$SOKEI_TEST_PG_DSN" -qc "CREATE DATABASE $src_db" -c "CREATE DATABASE $dst_db" >/dev/null
drop() { psql "$SOKEI_TEST_PG_DSN" -qc "DROP DATABASE IF EXISTS $src_db" -c "DROP DATABASE IF EXISTS $dst_db" >/dev/null 2>&1 || true; }
trap 'cleanup; drop' EXIT
base_dsn=$(echo "$SOKEI_TEST_PG_DSN" | sed 's/dbname=[^ ]*//')
export SOKEI_PLAN_ADDR=127.0.0.1:$(free_port) SOKEI_KPI_ADDR=127.0.0.1:$(free_port) SOKEI_AUTH_MODE=dev
plan=municipalities/142140/plans/5th-implementation
start() {  # start DB
  SOKEI_PG_DSN="$base_dsn dbname=$1" "$plan_bin" >>"$work/plan.log" 2>&1 &
  pids+=($!)
  SOKEI_PG_DSN="$base_dsn dbname=$1" "$kpi_bin" >>"$work/kpi.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    "$cli" plans list >/dev/null 2>&1 && (exec 3<>"/dev/tcp/127.0.0.1/${SOKEI_KPI_ADDR##*:}") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "services did not start"; cat "$work"/*.log; exit 1
}
stop() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; pids=(); }

start "$src_db"
check "load" "$cli" load "$src"/services/plan/demo/isehara-5th-implementation-plan.json "$src"/services/plan/demo/isehara-next-plan.json
check "import" "$cli" import progress-table "$src/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv" --plan $plan
"$cli" plans list >"$work/plans.before"
"$cli" summary --plan $plan --year 2020 >"$work/summary.before"
"$cli" audit 142140 >"$work/audit.before"
stop

check "pg_dump (custom format)" pg_dump --format=custom --dbname="$base_dsn dbname=$src_db" --file="$work/sokei.dump"
check "pg_restore into an empty database" pg_restore --exit-on-error --no-owner --dbname="$base_dsn dbname=$dst_db" "$work/sokei.dump"

start "$dst_db"
check "plans after restore" diff "$work/plans.before" <("$cli" plans list)
check "KPI summary after restore" diff "$work/summary.before" <("$cli" summary --plan $plan --year 2020)
check "audit trail after restore" diff "$work/audit.before" <("$cli" audit 142140)
check "summary has the 111 indicators" grep -q '111 indicators' "$work/summary.before"
check "writes continue after restore" "$cli" import progress-table "$src/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv" --plan $plan
stop

echo "backup/restore: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
