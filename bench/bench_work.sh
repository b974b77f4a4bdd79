# Sourced by the benchmark scripts that start servers: a work directory removed on exit with every
# process in `pids` and the nginx of $work/nginx.pid stopped, a free loopback port, and a wait for
# a port to open (20 s).
# usage: source bench/bench_work.sh NAME   (sets $work and pids)
work=$(mktemp -d "/tmp/sokei-$1-XXXXXX")
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 did not open" >&2; exit 1; }
