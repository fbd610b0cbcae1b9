#!/usr/bin/env bash
# Starts the production Temporal Server: renders deploy/temporal-server.yaml.template from the
# environment into a configuration directory, then replaces itself with `temporal-server` on it.
# docker-compose.yml runs it in the temporalio/server image; test/production/ runs it with the
# binary scripts/ensure-temporal-server.sh built. With --render-only it prints the rendered file's
# path and stops there.
#
# Settings (environment), with their defaults; the names are those of Temporal's own server image:
#   POSTGRES_PWD (required), POSTGRES_SEEDS=127.0.0.1, DB_PORT=5432, POSTGRES_USER=temporal,
#   DBNAME=temporal, VISIBILITY_DBNAME=temporal_visibility
#   TEMPORAL_TLS_DIR: a directory of ca.pem, server.pem, server.key (scripts/prod-temporal/make-certs.sh),
#     or each file: TEMPORAL_TLS_SERVER_CERT, TEMPORAL_TLS_SERVER_KEY, TEMPORAL_TLS_SERVER_CA_CERT
#     (the CA whose certificates clients and the server's own services must show)
#   TEMPORAL_TLS_INTERNODE_SERVER_NAME=localhost: the name in server.pem the services check on each other
#   BIND_ON_IP=127.0.0.1; TEMPORAL_BROADCAST_ADDRESS: BIND_ON_IP, or this host's address when 0.0.0.0
#   FRONTEND_GRPC_PORT=7233 FRONTEND_MEMBERSHIP_PORT=6933 HISTORY_GRPC_PORT=7234
#   HISTORY_MEMBERSHIP_PORT=6934 MATCHING_GRPC_PORT=7235 MATCHING_MEMBERSHIP_PORT=6935
#   WORKER_GRPC_PORT=7239 WORKER_MEMBERSHIP_PORT=6939
#   DYNAMIC_CONFIG_FILE_PATH=temporal-dynamicconfig.yaml beside this script; LOG_LEVEL=info
#   TEMPORAL_SERVER_CONFIG_DIR: where the rendered production.yaml goes (default: a new temporary
#     directory; the file holds the database password and is readable by its owner only)
#   TEMPORAL_SERVER_BIN=temporal-server
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
template="$here/temporal-server.yaml.template"

: "${POSTGRES_PWD:?set POSTGRES_PWD: the password of the temporal database role}"
export POSTGRES_SEEDS="${POSTGRES_SEEDS:-127.0.0.1}" DB_PORT="${DB_PORT:-5432}"
export POSTGRES_USER="${POSTGRES_USER:-temporal}" DBNAME="${DBNAME:-temporal}"
export VISIBILITY_DBNAME="${VISIBILITY_DBNAME:-temporal_visibility}"
if [ -n "${TEMPORAL_TLS_DIR:-}" ]; then
  : "${TEMPORAL_TLS_SERVER_CERT:=$TEMPORAL_TLS_DIR/server.pem}"
  : "${TEMPORAL_TLS_SERVER_KEY:=$TEMPORAL_TLS_DIR/server.key}"
  : "${TEMPORAL_TLS_SERVER_CA_CERT:=$TEMPORAL_TLS_DIR/ca.pem}"
fi
for file in TEMPORAL_TLS_SERVER_CERT TEMPORAL_TLS_SERVER_KEY TEMPORAL_TLS_SERVER_CA_CERT; do
  if [ -z "${!file:-}" ]; then
    echo "set TEMPORAL_TLS_DIR or $file: this server only accepts clients with a certificate" >&2
    exit 1
  fi
  if [ ! -r "${!file}" ]; then
    echo "$file: cannot read ${!file}" >&2
    exit 1
  fi
  export "${file?}"
done
export TEMPORAL_TLS_INTERNODE_SERVER_NAME="${TEMPORAL_TLS_INTERNODE_SERVER_NAME:-localhost}"
export BIND_ON_IP="${BIND_ON_IP:-127.0.0.1}"
if [ -z "${TEMPORAL_BROADCAST_ADDRESS:-}" ]; then
  if [ "$BIND_ON_IP" = 0.0.0.0 ]; then
    read -r TEMPORAL_BROADCAST_ADDRESS _ < <(getent hosts "$(hostname)")
  else
    TEMPORAL_BROADCAST_ADDRESS=$BIND_ON_IP
  fi
fi
export TEMPORAL_BROADCAST_ADDRESS
export FRONTEND_GRPC_PORT="${FRONTEND_GRPC_PORT:-7233}" FRONTEND_MEMBERSHIP_PORT="${FRONTEND_MEMBERSHIP_PORT:-6933}"
export HISTORY_GRPC_PORT="${HISTORY_GRPC_PORT:-7234}" HISTORY_MEMBERSHIP_PORT="${HISTORY_MEMBERSHIP_PORT:-6934}"
export MATCHING_GRPC_PORT="${MATCHING_GRPC_PORT:-7235}" MATCHING_MEMBERSHIP_PORT="${MATCHING_MEMBERSHIP_PORT:-6935}"
export WORKER_GRPC_PORT="${WORKER_GRPC_PORT:-7239}" WORKER_MEMBERSHIP_PORT="${WORKER_MEMBERSHIP_PORT:-6939}"
export DYNAMIC_CONFIG_FILE_PATH="${DYNAMIC_CONFIG_FILE_PATH:-$here/temporal-dynamicconfig.yaml}"
export LOG_LEVEL="${LOG_LEVEL:-info}"

# Each ${NAME} of a line replaced by its value, left to right (a value is never rescanned). A value
# with a double quote, a backslash or a line break is refused: each goes inside a YAML "string".
render_line() {
  local rest=$1 out="" name value open="\${"
  while [[ "$rest" == *"$open"* ]]; do
    out+=${rest%%"$open"*}
    rest=${rest#*"$open"}
    name=${rest%%'}'*}
    rest=${rest#*'}'}
    if [[ ! "$name" =~ ^[A-Z][A-Z0-9_]*$ ]] || [ -z "${!name+set}" ]; then
      echo "$template: \${$name} has no value" >&2
      return 1
    fi
    value=${!name}
    if [[ "$value" == *[\"\\]* || "$value" == *$'\n'* ]]; then
      echo "$name: a value with \" or \\ or a line break cannot go into the server's YAML" >&2
      return 1
    fi
    out+=$value
  done
  printf '%s\n' "$out$rest"
}

dir="${TEMPORAL_SERVER_CONFIG_DIR:-}"
if [ -z "$dir" ]; then dir=$(mktemp -d "${TMPDIR:-/tmp}/temporal-server-config.XXXXXX"); fi
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
config="$dir/production.yaml"
(
  umask 077
  : >"$config.tmp"
  while IFS= read -r line || [ -n "$line" ]; do
    render_line "$line" >>"$config.tmp"
  done <"$template"
)
mv -f "$config.tmp" "$config"

if [ "${1:-}" = --render-only ]; then
  echo "$config"
  exit 0
fi
# --allow-no-auth: access is decided by the certificate alone (any our CA issued may do anything);
# there is no per-namespace authorizer.
exec "${TEMPORAL_SERVER_BIN:-temporal-server}" --root / --config "$dir" --env production --allow-no-auth start
