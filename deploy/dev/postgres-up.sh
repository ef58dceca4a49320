#!/usr/bin/env bash
# Starts Debian's PostgreSQL (newest installed major, cluster "main") without systemd, for overtune's service tests and
# for trying the shared store on one machine. Idempotent: installs only when missing (root), starts only when down,
# creates only what is absent. Role, password, database: $OVERTUNE_PG_USER/$OVERTUNE_PG_PASSWORD/$OVERTUNE_PG_DB
# (default overtune). Writes the connection settings to $OVERTUNE_SERVICES/postgres.env (default /run/overtune-services)
# and records the postmaster's PID there only if this script started it, so postgres-down.sh stops only that.
set -euo pipefail
state=${OVERTUNE_SERVICES:-/run/overtune-services}
user=${OVERTUNE_PG_USER:-overtune} pass=${OVERTUNE_PG_PASSWORD:-overtune} db=${OVERTUNE_PG_DB:-overtune}

[ "$(id -u)" -eq 0 ] || { echo "postgres-up: must run as root (it starts the server as user postgres)" >&2; exit 1; }
mkdir -p "$state"
cd /   # the postgres user may not be allowed into the caller's directory

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  echo "postgres-up: installed postgresql"
fi
ver=$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n1 | cut -d/ -f5)
cluster() { pg_lsclusters -h | awk -v v="$ver" '$1 == v && $2 == "main"'; }
if [ -z "$(cluster)" ]; then
  pg_createcluster "$ver" main >/dev/null
  echo "postgres-up: created cluster $ver/main"
fi
read -r _ _ port status _ datadir _ <<<"$(cluster)"
case "$status" in
  online*) echo "postgres-up: PostgreSQL $ver/main already running on port $port" ;;
  *)
    pg_ctlcluster "$ver" main start
    head -n1 "$datadir/postmaster.pid" >"$state/postgres.pid"
    echo "$datadir" >"$state/postgres.datadir"
    echo "postgres-up: started PostgreSQL $ver/main on port $port (pid $(cat "$state/postgres.pid"))" ;;
esac

# The role may create schemas in its database (each test uses its own); Debian's pg_hba allows scram over 127.0.0.1.
runuser -u postgres -- psql -p "$port" -XAtq -v ON_ERROR_STOP=1 -v u="$user" -v p="$pass" -v d="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'u') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'u')\gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'u', :'p')\gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'d', :'u') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'d')\gexec
SQL
cat >"$state/postgres.env" <<EOF2
export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$user PGPASSWORD=$pass PGDATABASE=$db
EOF2
PGPASSWORD=$pass psql -h 127.0.0.1 -p "$port" -U "$user" -d "$db" -XAtc 'select 1' >/dev/null
echo "postgres-up: ready: postgresql://$user@127.0.0.1:$port/$db (settings in $state/postgres.env)"
