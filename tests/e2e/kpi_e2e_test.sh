#!/usr/bin/env bash
# Black-box test of the real binaries: sokei-plan and sokei-kpi on free loopback ports with fresh
# SQLite directories; the CLI loads the Isehara 5th plan, imports seed 001 (UTF-8, then the same
# table as Excel's CP932), reads the summary and a history, exports xlsx and TSV, refuses broken
# files without writing, and the data survives a kill -9 of the KPI service.
# usage: kpi_e2e_test.sh PLAN_BINARY KPI_BINARY CLI SOURCE_DIR
set -euo pipefail
plan_bin=$1 kpi_bin=$2 cli=$3 src=$4
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND… : the command must succeed
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $name"; sed 's/^/    /' "$work/out" | head -20; fi
}
export SOKEI_DATA_DIR=$work/var SOKEI_AUTH_MODE=dev
source "$src/tests/e2e/start_service.sh"
seed=$src/services/kpi/demo/isehara-5th-progress-table-fy2020.tsv
plan=municipalities/142140/plans/5th-implementation

start_service plan "$plan_bin" SOKEI_PLAN_ADDR
export SOKEI_PLAN_ADDR=127.0.0.1:$bound_port
start_kpi() {
  start_service kpi "$kpi_bin" SOKEI_KPI_ADDR
  kpi_pid=$bound_pid
  export SOKEI_KPI_ADDR=127.0.0.1:$bound_port
}
check "load the 5th plan" "$cli" load "$src"/services/plan/demo/isehara-5th-implementation-plan.json
start_kpi

check "dry run writes nothing" bash -c "'$cli' import progress-table '$seed' --plan $plan --dry-run | grep -q 'indicators: 111 created' && ! '$cli' summary --plan $plan --year 2020 | grep -q '111 indicators'"
check "import seed 001" bash -c "'$cli' import progress-table '$seed' --plan $plan | tee /dev/stderr | grep -q 'indicators: 111 created'"
check "109 projects in the tree" bash -c "[ \$('$cli' plan tree $plan | grep -c '〈事業〉') = 109 ]"
check "re-import changes nothing" bash -c "'$cli' import progress-table '$seed' --plan $plan | grep -q 'indicators: 0 created, 0 updated, 111 unchanged'"
check "summary" bash -c "'$cli' summary --plan $plan --year 2020 | grep -q '111 indicators'"
check "summary json" bash -c "'$cli' --json summary --plan $plan --year 2020 | python3 -c 'import json,sys; s=json.load(sys.stdin); assert sum(g.get(\"count\",0) for g in s[\"gradeCounts\"])==111'"
check "history" bash -c "'$cli' indicator history municipalities/142140/indicators/5th-implementation-39-105 | grep -q '5,812万2千円'"
python3 - "$seed" "$work/seed-sjis.tsv" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read().replace("—", "―")
open(sys.argv[2], "wb").write(text.encode("cp932"))
PY
check "cp932 file imports (auto-detected)" bash -c "'$cli' import progress-table '$work/seed-sjis.tsv' --plan $plan | grep -q 'indicators: 0 created'"
check "export xlsx" bash -c "cd '$work' && '$cli' export progress-table --plan $plan --year 2020 --format xlsx --out t.xlsx && python3 -c 'import zipfile; z=zipfile.ZipFile(\"t.xlsx\"); assert \"xl/worksheets/sheet1.xml\" in z.namelist()'"
check "export tsv round trip" bash -c "cd '$work' && '$cli' export progress-table --plan $plan --year 2020 --out t.tsv && '$cli' import progress-table t.tsv --plan $plan | grep -q 'observations: 0 created, 0 updated, 111 unchanged'"
head -c 3000 /dev/urandom >"$work/junk.bin"
check "binary junk is refused" bash -c "'$cli' import progress-table '$work/junk.bin' --plan $plan 2>&1; [ \$? -eq 2 ]"
{ printf '事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n'
  printf '99-999\t事業\t指標\t1人\t2人\t3人\t課\n'
  sed 's/176人\t112人/176人\t999人/' "$seed"; } >"$work/broken.tsv"
check "a broken row commits nothing" bash -c "'$cli' import progress-table '$work/broken.tsv' --plan $plan >'$work/broken.out'; rc=\$?; cat '$work/broken.out'; [ \$rc -eq 1 ] && grep -q 'outside any section' '$work/broken.out'"
{ printf '事業番号\t主な事業\t事業指標\t当初水準\t令和2年度目標\t令和2年度実績\t所管課\n'
  printf '98-001\t事業\t指標\t1人\t2人\t3人\t課\n98-002\t事業\t指標2\t1人\t2人\t3人\t課\n'; } >"$work/all-refused.tsv"
check "allow-partial with every row refused says so and exits 1" bash -c "'$cli' import progress-table '$work/all-refused.tsv' --plan $plan --allow-partial >'$work/refused.out'; rc=\$?; cat '$work/refused.out'; [ \$rc -eq 1 ] && grep -q 'every row was refused' '$work/refused.out'"
check "nothing changed by the refused files" bash -c "'$cli' import progress-table '$seed' --plan $plan | grep -q '111 unchanged'"
costs=$src/services/kpi/demo/isehara-5th-sample-costs-fy2020.tsv
check "sample cost table imports through the real importer" bash -c "'$cli' import cost-table '$costs' --plan $plan --year 2020 --rate 8000000 | tee /dev/stderr | grep -q '109 rows, 109 事業, 0 unchanged'"
check "cost table re-import changes nothing" bash -c "'$cli' import cost-table '$costs' --plan $plan --year 2020 | grep -q '109 事業, 109 unchanged'"
check "evaluation report" bash -c "'$cli' evaluation create --plan $plan --year 2020 && '$cli' evaluation report $plan/evaluations/2020 | grep -q '令和2年度 施策評価'"
check "plan revise carries the indicators on" bash -c "'$cli' plan revise $plan --id 5th-r1 --label 改定 | tee /dev/stderr | grep -q '^111 indicator(s) carried on$'"
check "plan diff: nodes and indicators unchanged" bash -c "'$cli' --json plan diff municipalities/142140/plans/5th-r1 --base $plan | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"nodes\"][\"unchanged\"]>100, d[\"nodes\"]; assert d[\"indicators\"][\"unchanged\"]==111, d[\"indicators\"]; assert not d[\"indicators\"].get(\"changes\")'"
check "plan diff in words" bash -c "'$cli' plan diff municipalities/142140/plans/5th-r1 --base $plan | grep -q '0 indicator change(s), 111 indicator(s) unchanged'"
check "the revision's summary has the carried indicators and their years" bash -c "'$cli' summary --plan municipalities/142140/plans/5th-r1 --year 2020 | grep -q '111 indicators'"

kill -9 "$kpi_pid"; wait "$kpi_pid" 2>/dev/null || true
start_kpi
check "data survives kill -9" bash -c "'$cli' summary --plan $plan --year 2020 | grep -q '111 indicators'"
check "sqlite integrity" bash -c "python3 -c \"import sqlite3; c=sqlite3.connect('$work/var/kpi.db'); assert c.execute('pragma integrity_check').fetchone()[0]=='ok'\""

check "migrate-only mode applies migrations and exits" bash -c "SOKEI_DATA_DIR='$work/mig' SOKEI_MIGRATE_ONLY=1 '$kpi_bin' && SOKEI_DATA_DIR='$work/mig' SOKEI_MIGRATE_ONLY=1 '$plan_bin' && test -s '$work/mig/kpi.db' && test -s '$work/mig/plan.db'"

echo "kpi e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
