#!/usr/bin/env bash
# Stops the PostgreSQL server that postgres-up.sh started, by the PID it recorded (SIGINT: fast shutdown).
# A server postgres-up.sh found already running is left alone.
set -uo pipefail
state=${OVERTUNE_SERVICES:-/run/overtune-services}
pid=$(cat "$state/postgres.pid" 2>/dev/null) || { echo "postgres-down: not started by postgres-up.sh, left alone"; exit 0; }
datadir=$(cat "$state/postgres.datadir" 2>/dev/null)
if [ "$(head -n1 "$datadir/postmaster.pid" 2>/dev/null)" = "$pid" ] && [ -d "/proc/$pid" ]; then
  kill -INT "$pid"
  for _ in $(seq 120); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
  [ -d "/proc/$pid" ] && { echo "postgres-down: pid $pid still running after 30 s" >&2; exit 1; }
  echo "postgres-down: stopped PostgreSQL (pid $pid)"
else
  echo "postgres-down: PostgreSQL (pid $pid) already gone"
fi
rm -f "$state/postgres.pid" "$state/postgres.datadir" "$state/postgres.env"
