#!/usr/bin/env bash
# Creates or upgrades Temporal's two PostgreSQL databases with temporal-sql-tool: the main store
# and SQL visibility (no Elasticsearch). One script for docker-compose.yml (a job in the
# temporalio/admin-tools image, where the tool and /etc/temporal/schema come with the image) and
# for test/production/ (the tool and schema that scripts/ensure-temporal-server.sh built).
# Safe to run again: an existing database is kept and only brought up to the newest version.
#
# Settings (environment):
#   SQL_PASSWORD            required: the temporal role's password
#   SQL_HOST, SQL_PORT      default 127.0.0.1, 5432
#   SQL_USER                default temporal
#   TEMPORAL_DB, TEMPORAL_VISIBILITY_DB    default temporal, temporal_visibility
#   TEMPORAL_SQL_TOOL       default temporal-sql-tool (on PATH)
#   TEMPORAL_SCHEMA_DIR     default /etc/temporal/schema (its postgresql/v12/{temporal,visibility}/versioned)
#   DESGW_WAIT_S            how long to wait for the database to accept connections, default 60
set -euo pipefail

: "${SQL_PASSWORD:?set SQL_PASSWORD: the password of the temporal role}"
export SQL_PLUGIN=postgres12
export SQL_HOST="${SQL_HOST:-127.0.0.1}"
export SQL_PORT="${SQL_PORT:-5432}"
export SQL_USER="${SQL_USER:-temporal}"
export SQL_PASSWORD
tool="${TEMPORAL_SQL_TOOL:-temporal-sql-tool}"
schema="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema}/postgresql/v12"
wait_s="${DESGW_WAIT_S:-60}"

for store in temporal visibility; do
  if [ ! -d "$schema/$store/versioned" ]; then
    echo "no schema directory $schema/$store/versioned (set TEMPORAL_SCHEMA_DIR)" >&2
    exit 1
  fi
done

# Creating a database that exists succeeds, so the first create doubles as the wait for the server.
deadline=$((SECONDS + wait_s))
until "$tool" --db "${TEMPORAL_DB:-temporal}" create; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "PostgreSQL at $SQL_HOST:$SQL_PORT did not accept the temporal role within $wait_s s" >&2
    exit 1
  fi
  sleep 2
done

setup() { # database, schema subdirectory
  "$tool" --db "$1" create
  # Version 0.0 makes the version tables only; an existing schema is left as it is.
  "$tool" --db "$1" setup-schema -v 0.0
  "$tool" --db "$1" update-schema -d "$schema/$2/versioned"
}
setup "${TEMPORAL_DB:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
echo "Temporal schemas ready in ${TEMPORAL_DB:-temporal} and ${TEMPORAL_VISIBILITY_DB:-temporal_visibility} on $SQL_HOST:$SQL_PORT" >&2
