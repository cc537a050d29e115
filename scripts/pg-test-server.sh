#!/usr/bin/env bash
# Starts (or stops) a throw-away PostgreSQL 15 server from Debian's packages for
# the test command. Prints the admin URL on start.
#   scripts/pg-test-server.sh start [DIR] [PORT]  |  scripts/pg-test-server.sh stop [DIR]
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/k2ops-pg-test}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run_as_pg() { runuser -u postgres -- "$@"; }
case "$cmd" in
  start)
    if [ -f "$dir/postmaster.pid" ]; then run_as_pg "$bin/pg_ctl" -D "$dir" stop -m immediate >/dev/null 2>&1 || true; fi
    rm -rf "$dir"; mkdir -p "$dir"; chown postgres: "$dir"
    run_as_pg "$bin/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 >/dev/null
    run_as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w \
      -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c max_connections=200 -c fsync=off" start >/dev/null
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    [ -d "$dir" ] && run_as_pg "$bin/pg_ctl" -D "$dir" stop -m fast >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
esac
