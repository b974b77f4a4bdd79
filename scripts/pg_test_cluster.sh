#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on loopback for tests.
#   pg_test_cluster.sh start DIR [PORT]   initdb (first time) and start; prints the DSN
#   pg_test_cluster.sh stop DIR [MODE]    pg_ctl stop (fast | immediate)
#   pg_test_cluster.sh destroy DIR        stop and remove
# PostgreSQL refuses to run as root: as root the cluster runs as the postgres user in DIR.
set -euo pipefail
cmd=$1 dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case $cmd in
  start)
    port=${3:-$(cat "$dir/port" 2>/dev/null || true)}
    if [ -z "$port" ]; then
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1
    fi
    echo "$port" >"$dir/port"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null
    echo "host=127.0.0.1 port=$port user=postgres dbname=postgres connect_timeout=5"
    ;;
  stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m "${3:-fast}" -w stop >/dev/null 2>&1 || true
    ;;
  destroy)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop|destroy DIR …" >&2
    exit 2
    ;;
esac
