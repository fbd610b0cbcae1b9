#!/usr/bin/env bash
# The sandbox telescope: a private PostgreSQL cluster (scripts/prod-temporal/postgres.sh) holding
# what SISPI's read-only copy holds for DESGW, database `decam_prd`, table `exposure.exposure` with
# SISPI's columns, a read-only role `decam_reader` (SELECT on that table only), and an owner role
# `telescope` that the feeder (scripts/telescope-feeder.ts) writes with.
#
#   telescope.sh start DIR PORT   prints, on standard output, the settings to use:
#                                   DESGW_EXPOSURE_DB_URL=postgresql://decam_reader@127.0.0.1:PORT/decam_prd
#                                   PGPASSFILE=DIR/pgpass
#                                   TELESCOPE_OWNER_URL=postgresql://telescope@127.0.0.1:PORT/decam_prd
#   telescope.sh stop DIR
#
# The passwords are made once (random), kept in DIR/pgpass (mode 600, libpq's format) and never put
# on a command line; a second start reuses them. The cluster lives in DIR/cluster.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
postgres_sh=$here/prod-temporal/postgres.sh

usage() {
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 64
}

# The newest PostgreSQL client installed with the server postgres.sh runs.
pg_bindir() {
  find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n1
}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The password of ROLE in DIR/pgpass, or a new one.
password_of() {
  local file=$1 role=$2 pw=""
  if [ -f "$file" ]; then pw=$(awk -F: -v r="$role" '$4 == r { print $5; exit }' "$file"); fi
  if [ -z "$pw" ]; then pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n'); fi
  printf '%s' "$pw"
}

start() {
  local dir=$1 port=$2
  [[ "$port" =~ ^[0-9]+$ ]] || { echo "PORT must be a number, not '$port'" >&2; exit 64; }
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  chmod 755 "$dir" # the postgres user enters it to reach its cluster; the password file is 600
  local pgpass=$dir/pgpass owner_pw reader_pw
  owner_pw=$(password_of "$pgpass" telescope)
  reader_pw=$(password_of "$pgpass" decam_reader)
  (
    umask 077
    printf '*:*:decam_prd:telescope:%s\n*:*:decam_prd:decam_reader:%s\n' "$owner_pw" "$reader_pw" >"$pgpass.tmp"
  )
  mv -f "$pgpass.tmp" "$pgpass"

  DB_ROLE=telescope DB_ROLE_PASSWORD=$owner_pw "$postgres_sh" start "$dir/cluster" "$port"

  # The database, schema, table and reader, as the superuser over the cluster's socket (no
  # password). The reader's password comes from psql's environment (\getenv), never its arguments.
  local bin
  bin=$(pg_bindir)
  as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/cluster" -p "$port" -U postgres -d postgres >/dev/null <<'SQL'
SELECT 'CREATE DATABASE decam_prd OWNER telescope'
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'decam_prd') \gexec
REVOKE ALL ON DATABASE decam_prd FROM PUBLIC;
SQL
  printf '\\getenv pw READER_PW\n%s\n' "$(
    cat <<'SQL'
SET client_min_messages = warning;
SET ROLE telescope;
CREATE SCHEMA IF NOT EXISTS exposure;
CREATE TABLE IF NOT EXISTS exposure.exposure (
  id integer PRIMARY KEY,
  date timestamptz,
  ra double precision,
  declination double precision,
  filter text,
  exptime real,
  propid text,
  flavor text,
  program text,
  object text,
  qc_teff real,
  discard boolean,
  delivered boolean
);
RESET ROLE;
SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'decam_reader') AS missing \gset
\if :missing
  CREATE ROLE decam_reader LOGIN PASSWORD :'pw';
\else
  ALTER ROLE decam_reader LOGIN PASSWORD :'pw';
\endif
ALTER ROLE decam_reader SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE decam_prd TO decam_reader, telescope;
GRANT USAGE ON SCHEMA exposure TO decam_reader;
GRANT SELECT ON exposure.exposure TO decam_reader;
SQL
  )" | READER_PW=$reader_pw as_owner "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/cluster" -p "$port" \
    -U postgres -d decam_prd >/dev/null

  echo "DESGW_EXPOSURE_DB_URL=postgresql://decam_reader@127.0.0.1:$port/decam_prd"
  echo "PGPASSFILE=$pgpass"
  echo "TELESCOPE_OWNER_URL=postgresql://telescope@127.0.0.1:$port/decam_prd"
  echo "sandbox telescope: decam_prd on 127.0.0.1:$port; passwords in $pgpass (export PGPASSFILE)" >&2
}

stop() {
  "$postgres_sh" stop "$1/cluster"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || usage; start "$2" "$3" ;;
  stop) [ $# -eq 2 ] || usage; stop "$2" ;;
  *) usage ;;
esac
