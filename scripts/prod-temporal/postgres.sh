#!/usr/bin/env bash
# A private PostgreSQL cluster for the production-shaped Temporal of test/production/ (and the
# sandbox telescope, scripts/telescope.sh): Debian's `postgresql` package (installed with apt-get
# when run as root, else named), its own data directory, listening on 127.0.0.1 only, on a port the
# caller chooses, with a `temporal` role that may create the databases temporal-sql-tool makes. It
# never touches the system's clusters.
#
#   postgres.sh start DIR PORT   (TEMPORAL_DB_PASSWORD in the environment: the role's password)
#   postgres.sh stop DIR
#
# DB_ROLE and DB_ROLE_PASSWORD name another role (LOGIN CREATEDB) and its password instead of
# `temporal` and TEMPORAL_DB_PASSWORD. The password reaches psql through its environment, never
# its command line (psql 15 and later; older ones are given it as a variable).
#
# DIR is created if missing; its parent must be enterable by the `postgres` user when run as root
# (initdb refuses root, so the server runs as `postgres`). The server's socket is in DIR itself,
# the only way in without a password; TCP connections need the password (scram-sha-256).
set -euo pipefail

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 64
}

# The newest PostgreSQL server binaries installed (Debian: /usr/lib/postgresql/<major>/bin).
pg_bindir() {
  local dir
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; fi
}

ensure_installed() {
  if [ -n "$(pg_bindir)" ]; then return 0; fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL is not installed; install it with: sudo apt-get install -y postgresql" >&2
    exit 1
  fi
  echo "installing PostgreSQL (apt-get install postgresql; first time only)..." >&2
  apt-get update -qq >&2
  # policy-rc.d keeps the package from starting the system cluster: only our private one runs.
  local policy=/usr/sbin/policy-rc.d status=0
  if [ -e "$policy" ]; then policy=""; else printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2 || status=$?
  if [ -n "$policy" ]; then rm -f "$policy"; fi
  if [ "$status" -ne 0 ]; then exit "$status"; fi
  if [ -z "$(pg_bindir)" ]; then
    echo "apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found" >&2
    exit 1
  fi
}

# Runs a PostgreSQL program as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local dir=$1 port=$2
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "PORT must be a number, not '$port'" >&2; exit 64; }
  local role=${DB_ROLE:-temporal}
  [[ "$role" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { echo "DB_ROLE must be a plain role name, not '$role'" >&2; exit 64; }
  if [ -n "${DB_ROLE:-}" ]; then
    : "${DB_ROLE_PASSWORD:?set DB_ROLE_PASSWORD: the password of the $role role}"
  else
    : "${TEMPORAL_DB_PASSWORD:?set TEMPORAL_DB_PASSWORD: the password of the temporal role}"
  fi
  export _PG_ROLE_PASSWORD=${DB_ROLE_PASSWORD:-${TEMPORAL_DB_PASSWORD:-}}
  ensure_installed
  local bin data log
  bin=$(pg_bindir)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  data=$dir/data
  log=$dir/postgresql.log
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    chmod 700 "$dir"
    if ! runuser -u postgres -- test -x "$dir"; then
      echo "the postgres user cannot enter $dir (a parent directory is closed to it)" >&2
      exit 1
    fi
  fi

  if [ ! -f "$data/PG_VERSION" ]; then
    as_owner "$bin/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # Our settings last, so they win over the defaults above them.
    as_owner tee -a "$data/postgresql.conf" >/dev/null <<EOF
# private cluster of scripts/prod-temporal/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
EOF
  fi

  if as_owner "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1; then
    echo "PostgreSQL already running in $data" >&2
  else
    as_owner "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "-p $port" >/dev/null || {
      tail -n 30 "$log" >&2
      exit 1
    }
  fi

  # The role, created or given the password again (so a second start is harmless). The password
  # reaches psql through its environment (\getenv), quoted by psql itself (:'pw'), never spliced
  # into SQL text nor shown on a command line.
  local getpw=('\getenv pw _PG_ROLE_PASSWORD') pwarg=()
  if [ "$("$bin/psql" --version | sed -E 's/.* ([0-9]+)[.0-9]*.*/\1/')" -lt 15 ]; then
    getpw=() pwarg=(-v "pw=$_PG_ROLE_PASSWORD")
  fi
  { printf '%s\n' "${getpw[@]}"; cat <<'SQL'; } | as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" \
    -U postgres -d postgres -v role="$role" "${pwarg[@]}" >/dev/null
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS missing \gset
\if :missing
  CREATE ROLE :"role" LOGIN CREATEDB PASSWORD :'pw';
\else
  ALTER ROLE :"role" LOGIN CREATEDB PASSWORD :'pw';
\endif
SQL
  unset _PG_ROLE_PASSWORD
  echo "PostgreSQL $(basename "$(dirname "$bin")") on 127.0.0.1:$port, data in $data, log $log" >&2
}

stop() {
  local dir=$1 bin
  bin=$(pg_bindir)
  if [ -z "$bin" ] || [ ! -f "$dir/data/PG_VERSION" ]; then return 0; fi
  if as_owner "$bin/pg_ctl" status -D "$dir/data" >/dev/null 2>&1; then
    as_owner "$bin/pg_ctl" stop -D "$dir/data" -m fast -w -t 60 >/dev/null
  fi
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
