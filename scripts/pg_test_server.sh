#!/usr/bin/env bash
# A throwaway PostgreSQL server for the store tests, on 127.0.0.1, a free port, in a temp directory.
#   eval "$(scripts/pg_test_server.sh start)"   → initdb + start in a new temp dir; prints two lines,
#        export KYOSO_TEST_DATABASE_URL=postgresql+psycopg://kyoso@127.0.0.1:PORT/kyoso_test
#        export KYOSO_TEST_PG_DIR=/tmp/kyoso-pg.XXXXXX
#   scripts/pg_test_server.sh stop "$KYOSO_TEST_PG_DIR"   → stop the server and remove the dir
# Uses the initdb/pg_ctl of the newest /usr/lib/postgresql/*/bin (apt package `postgresql`, installed by
# scripts/setup.sh --test).  PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# user (runuser).  Trust authentication, listening on 127.0.0.1 only; fsync off (the data is thrown away)
# unless KYOSO_PG_DURABLE=1 (PostgreSQL's default durability, for timing autosave).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [[ -z $bindir || ! -x $bindir/initdb ]]; then
  echo "pg_test_server: PostgreSQL is not installed (run scripts/setup.sh --test, or apt-get install postgresql)" >&2
  exit 1
fi

as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

case "${1:-}" in
  start)
    # directly under /tmp: as root the server runs as `postgres`, which must be able to reach the dir
    dir=$(mktemp -d /tmp/kyoso-pg.XXXXXX)
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    as_owner "$bindir/initdb" -D "$dir/data" -U kyoso --auth=trust --encoding=UTF8 --no-locale -N >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; rm -rf "$dir"; exit 1; }
    fast="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    [[ ${KYOSO_PG_DURABLE:-0} == 1 ]] && fast=""   # durable settings, e.g. for bench/store_bench.py
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
          -o "-h 127.0.0.1 -p $port -k $dir $fast -c max_connections=60" \
          start >/dev/null 2>&1; then
        echo "$port" >"$dir/port"
        as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U kyoso kyoso_test
        echo "export KYOSO_TEST_DATABASE_URL=postgresql+psycopg://kyoso@127.0.0.1:$port/kyoso_test"
        echo "export KYOSO_TEST_PG_DIR=$dir"
        exit 0
      fi
    done
    echo "pg_test_server: the server did not start; its log:" >&2
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    exit 1
    ;;
  stop)
    dir=${2:?usage: pg_test_server.sh stop DIR}
    [[ $dir == /tmp/kyoso-pg.* ]] || { echo "pg_test_server: not a test server dir: $dir" >&2; exit 2; }
    if [[ -f $dir/data/postmaster.pid ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
