#!/usr/bin/env bash
# Black-box test of the real binaries: start sokei-plan on a free loopback port with a fresh
# SQLite directory, load the demo bundles with the CLI, read them back as a person would, stop it
# with SIGTERM (clean exit), start it again and check that nothing was lost.
# usage: plan_e2e_test.sh SOKEI_PLAN_BINARY SOKEI_CLI_BINARY SOURCE_DIR
set -euo pipefail
server_bin=$1 cli=$2 src=$3
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() {  # check NAME COMMAND… : the command must succeed
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $name"; sed 's/^/    /' "$work/out" | head -20; fi
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export SOKEI_PLAN_ADDR=127.0.0.1:$port SOKEI_DATA_DIR=$work/var SOKEI_AUTH_MODE=dev
start() {
  "$server_bin" >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 100); do
    "$cli" plans list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not start"; cat "$work/server.log"; exit 1
}

start
check "load demo" "$cli" load "$src"/services/plan/demo/*.json
check "load again is a no-op" bash -c "'$cli' load '$src'/services/plan/demo/*.json | grep -q ' 0 created'"
check "four plans" bash -c "[ \$('$cli' plans list | grep -c 'municipalities/') = 4 ]"
check "isehara tree has 37 fields" bash -c "[ \$('$cli' plan tree municipalities/142140/plans/next-basic-plan | grep -c '〈基本政策分野〉') = 37 ]"
check "tree shows level labels" bash -c "'$cli' plan tree municipalities/142034/plans/basic-plan-2024 | grep -q 'levels: 分野 → 施策'"
check "search is width-insensitive" bash -c "'$cli' nodes search --municipality=142140 ＩＣＴ | grep -q 'ICTの利活用'"
check "search by SDG" bash -c "'$cli' nodes search --municipality=142140 --sdg=7 | grep -q '地球・生活環境'"
check "json output parses" bash -c "'$cli' --json plan tree municipalities/102041/plans/3rd-action-plan-early | python3 -c 'import json,sys; t=json.load(sys.stdin); assert len(t[\"packages\"])==5'"
check "matrix" bash -c "'$cli' plan matrix municipalities/102041/plans/3rd-action-plan-early | grep -q '●'"
check "clear error for a bad name" bash -c "'$cli' plan tree municipalities/142141/plans/x 2>&1 | grep -q 'check digit.*NAME_INVALID'"
check "not found exit code" bash -c "'$cli' plan tree municipalities/142140/plans/nope; [ \$? -eq 1 ]"
check "audit lists the loads" bash -c "'$cli' audit 142140 | grep -q CreatePackageLink"
check "bad config exits 2" bash -c "SOKEI_THREADS=0 '$server_bin'; [ \$? -eq 2 ]"

kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
pid=""
check "SIGTERM exits cleanly" test "$rc" -eq 0
check "shutdown logged" grep -q '"msg":"sokei-plan stopped"' "$work/server.log"

start
check "data survives a restart" bash -c "[ \$('$cli' plans list | grep -c 'municipalities/') = 4 ]"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
pid=""
start
check "data survives kill -9" bash -c "[ \$('$cli' plan tree municipalities/142140/plans/next-basic-plan | grep -c '〈基本政策分野〉') = 37 ]"
check "sqlite integrity" bash -c "python3 -c \"import sqlite3; c=sqlite3.connect('$work/var/plan.db'); assert c.execute('pragma integrity_check').fetchone()[0]=='ok'\""

echo "plan e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
