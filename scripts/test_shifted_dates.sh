#!/usr/bin/env bash
# Runs the suite again with the wall clock moved (libfaketime, Debian's faketime package), to catch
# tests whose expectations depend on the real date, the time zone or the fiscal year "now" falls
# in. Two dates by default: 00:30 JST on 1 April 2027 (a new fiscal year in Japan while UTC is
# still on 31 March) and 01:00 JST on 16 August 2029 (another fiscal year; a UTC+9 night that is
# already tomorrow in Japan). Needs a build from scripts/test.sh.
#
# Left out, because libfaketime cannot shift what they measure: suites about gRPC and PostgreSQL
# deadlines, retries and process kills. The kernel's absolute-time waits (futex, epoll) still run
# on the real clock while the process reads a shifted one, so their timers fire years late. Sokei
# derives no date in them.
# usage: scripts/test_shifted_dates.sh ['@YYYY-MM-DD hh:mm:ss' …]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${SOKEI_TEST_BUILD_DIR:-build/asan}
lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
if [ ! -f "$lib" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends faketime >/dev/null
fi
dates=("$@")
[ ${#dates[@]} -eq 0 ] && dates=("@2027-03-31 15:30:00" "@2029-08-15 16:00:00")

pg_dir=$(mktemp -d /tmp/sokei-pg-XXXXXX)
trap 'bash "$root/scripts/pg_test_cluster.sh" destroy "$pg_dir"' EXIT
export SOKEI_TEST_PG_DSN=$(bash scripts/pg_test_cluster.sh start "$pg_dir")
export SOKEI_TEST_PG_CLUSTER=$pg_dir SOKEI_TEST_PG_SCRIPT=$PWD/scripts/pg_test_cluster.sh
export ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export GTEST_FILTER='-*Deadline*:*deadline*'
status=0
for d in "${dates[@]}"; do
  echo "=== the suite at ${d#@} UTC"
  ( cd "$build" && LD_PRELOAD=$lib FAKETIME="$d" FAKETIME_DONT_FAKE_MONOTONIC=1 \
      ctest -j "$(nproc)" --output-on-failure \
      -E 'durability_test|gateway_retry_test|console_e2e_test' ) || status=1
done
exit $status
