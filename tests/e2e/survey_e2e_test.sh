#!/usr/bin/env bash
# Black-box test of the real binaries: sokei-plan, sokei-kpi and sokei-survey on free loopback
# ports with fresh SQLite directories. The CLI loads the next plan, creates two waves of the demo
# 市民意識調査 (the response file streamed), reads statistics, a suppressed cross-tab, the CS
# analysis and a wave comparison, imports a CP932 file, refuses broken files without writing,
# publishes into the KPI service, and the data survive a kill -9 of the survey service.
# usage: survey_e2e_test.sh PLAN_BINARY KPI_BINARY SURVEY_BINARY CLI SOURCE_DIR
set -euo pipefail
plan_bin=$1 kpi_bin=$2 survey_bin=$3 cli=$4 src=$5
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
s24=municipalities/142140/surveys/citizen-2024
s23=municipalities/142140/surveys/citizen-2023

source "$src/tests/e2e/start_service.sh"
start_service plan "$plan_bin" SOKEI_PLAN_ADDR
export SOKEI_PLAN_ADDR=127.0.0.1:$bound_port
start_service kpi "$kpi_bin" SOKEI_KPI_ADDR
export SOKEI_KPI_ADDR=127.0.0.1:$bound_port
start_survey() {
  start_service survey "$survey_bin" SOKEI_SURVEY_ADDR
  survey_pid=$bound_pid
  export SOKEI_SURVEY_ADDR=127.0.0.1:$bound_port
}
start_survey

check "load the next plan" "$cli" --addr="$SOKEI_PLAN_ADDR" load "$src"/services/plan/demo/isehara-next-plan.json
check "demo wave 2023" bash -c "'$cli' survey demo --year 2023 --shift -0.2 | grep -q '3000 respondents imported'"
check "demo wave 2024 with the KPI link" bash -c "'$cli' survey demo --year 2024 --kpi-link | grep -q '3000 respondents imported'"
check "demo is idempotent" bash -c "'$cli' survey demo --year 2024 | grep -q 'already loaded (3000 respondents)'"
check "statistics" bash -c "'$cli' --json survey stats $s24/questions/consult --weighted | python3 -c 'import json,sys; s=json.load(sys.stdin); assert int(s[\"base\"])>2500 and s[\"weighted\"] and s[\"hasMarginOfError\"]'"
check "published cross-tab has no small cells" bash -c "'$cli' --json survey crosstab $s24/questions/settle --by district,age --published | python3 -c '
import json,sys
t=json.load(sys.stdin)
assert t[\"disclosureApplied\"] and int(t[\"suppressedCells\"])>0
for r in t[\"rows\"]:
  for c in r[\"cells\"]+[r[\"total\"]]:
    n=int(c.get(\"count\",0))
    assert not (1<=n<10), c
'"
check "undeclared dimensions are refused" bash -c "'$cli' survey crosstab $s24/questions/settle --by sex,district 2>&1 | grep -q CROSSTAB_UNDECLARED_DIMENSIONS"
check "CS analysis ranks 37 areas" bash -c "[ \$('$cli' --json survey cs $s24 | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"items\"]))') = 37 ]"
check "CS analysis as TSV for the evaluation sheet" bash -c "[ \$('$cli' survey cs $s24 --tsv | awk -F'\t' 'NF==11' | wc -l) = 38 ]"
check "cross-tab as TSV" bash -c "'$cli' survey crosstab $s24/questions/settle --by age --published --tsv | head -1 | grep -q '^age	n	住み続けたい'"
check "wave comparison" bash -c "'$cli' survey compare $s24/questions/sat-11 $s23/questions/sat-11 | grep -q '有意'"
python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
rows = ["整理番号,性別,年代,地区,居住年数,問1,問2,問3"]
rows += [f"x{i:03d},{1 + i % 2},{1 + i % 6},{1 + i % 6},{1 + i % 4},{1 + i % 5},{1 + i % 3},\"1,2\"" for i in range(120)]
open(f"{w}/sjis.csv", "wb").write(("\r\n".join(rows) + "\r\n").encode("cp932"))
open(f"{w}/bad.csv", "w", encoding="utf-8").write("\n".join(rows[:3] + ["x999,1,2,1,1,9,1,1"]) + "\n")
PY
check "a CP932 file into a fresh survey" bash -c "'$cli' survey demo --year 2025 --respondents 1 --id sjis >/dev/null && '$cli' survey import municipalities/142140/surveys/sjis '$work/sjis.csv' | grep -q '120 imported'"
check "an import shows how much was sent (plain lines when not a terminal)" bash -c "'$cli' survey import municipalities/142140/surveys/sjis '$work/sjis.csv' --dry-run 2>&1 >/dev/null | grep -q 'sending the responses 100% .* / .*'"
check "a file with an out-of-scale code writes nothing" bash -c "! '$cli' survey import municipalities/142140/surveys/sjis '$work/bad.csv' > '$work/bad.out' 2>&1; grep -q 'OUT_OF_SCALE' '$work/bad.out' && '$cli' --json survey stats municipalities/142140/surveys/sjis/questions/settle | python3 -c 'import json,sys; assert int(json.load(sys.stdin)[\"respondents\"])==121'"
head -c 3000 /dev/urandom >"$work/junk.bin"
check "binary junk is refused" bash -c "'$cli' survey import $s23 '$work/junk.bin' 2>&1 | grep -q RESPONSES_NOT_A_TABLE"
check "publish records the actual in the KPI service" bash -c "'$cli' survey publish $s24 | grep -q 'consult-share FY2024 = ' && '$cli' indicator history municipalities/142140/indicators/consult-share | grep -q '令和6年度'"
check "published data are frozen" bash -c "'$cli' survey import $s24 '$work/sjis.csv' 2>&1 | grep -q SURVEY_PUBLISHED"

kill -9 "$survey_pid"; wait "$survey_pid" 2>/dev/null || true
start_survey
check "data survive kill -9" bash -c "'$cli' --json survey stats $s23/questions/settle | python3 -c 'import json,sys; assert int(json.load(sys.stdin)[\"respondents\"])==3000'"
check "sqlite integrity" bash -c "python3 -c \"import sqlite3; c=sqlite3.connect('$work/var/survey.db'); assert c.execute('pragma integrity_check').fetchone()[0]=='ok'\""

echo "survey e2e: $passed passed, $failed failed"
if [ "$failed" -gt 0 ]; then  # the services' own account, for a failure seen only in CI
  for log in "$work"/*.log; do echo "--- $(basename "$log") (last lines)"; tail -15 "$log"; done
fi
[ "$failed" -eq 0 ]
