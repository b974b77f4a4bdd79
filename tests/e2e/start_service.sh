# Sourced by the e2e tests. start_service NAME BINARY LISTEN_VAR starts a service listening on
# port 0 and reads the port it bound from its "serving" log line, so that no other process can take
# a port picked ahead of time (several suites run at once). Needs $work and the array pids; sets
# $bound_port and $bound_pid; each start logs to $work/NAME.N.log.
starts=0
start_service() {
  local name=$1 bin=$2 var=$3
  starts=$((starts + 1))
  local log="$work/$name.$starts.log"
  env "$var=127.0.0.1:0" "$bin" >"$log" 2>&1 &
  bound_pid=$!
  pids+=($bound_pid)
  for _ in $(seq 1 200); do
    bound_port=$(grep -o '"msg":"sokei-[a-z]* serving".*' "$log" | grep -o '"port":"[0-9]*"' | grep -o '[0-9][0-9]*' | head -1 || true)
    [ -n "$bound_port" ] && return 0
    kill -0 "$bound_pid" 2>/dev/null || { echo "$name died"; cat "$log"; exit 1; }
    sleep 0.1
  done
  echo "$name did not start"; cat "$log"; exit 1
}

# start_services PLAN KPI SURVEY: the three services, each on a port of its own, their addresses
# exported as SOKEI_{PLAN,KPI,SURVEY}_ADDR (the KPI service finds the plan service, the survey
# service the KPI service, and the CLI all three).
start_services() {
  start_service plan "$1" SOKEI_PLAN_ADDR
  export SOKEI_PLAN_ADDR=127.0.0.1:$bound_port
  start_service kpi "$2" SOKEI_KPI_ADDR
  export SOKEI_KPI_ADDR=127.0.0.1:$bound_port
  start_service survey "$3" SOKEI_SURVEY_ADDR
  export SOKEI_SURVEY_ADDR=127.0.0.1:$bound_port
}
