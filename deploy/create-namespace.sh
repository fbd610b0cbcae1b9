#!/usr/bin/env bash
# Makes the production Temporal ready for desgw: waits until the server answers, creates the
# namespace (30-day retention) unless it exists, then the custom search attributes listed in
# deploy/search-attributes.txt. Safe to run again: what exists is kept. One script for
# docker-compose.yml (a job in the temporalio/admin-tools image) and for test/production/.
#
# It only runs the Temporal CLI, which reads its connection from the environment itself, as our
# worker and desgw do (common/temporal-connection.ts): TEMPORAL_ADDRESS, TEMPORAL_API_KEY,
# TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
# TEMPORAL_TLS_SERVER_NAME (or the older TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA), and
# TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE for a temporal.toml profile.
#
# Settings (environment): TEMPORAL_NAMESPACE=desgw, DESGW_NAMESPACE_RETENTION=30d,
# TEMPORAL_CLI=temporal, DESGW_SEARCH_ATTRIBUTES_FILE=search-attributes.txt beside this script,
# DESGW_WAIT_S=120 (how long to wait for the server, and for a new namespace to be usable).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
ns="${TEMPORAL_NAMESPACE:-desgw}"
retention="${DESGW_NAMESPACE_RETENTION:-30d}"
cli="${TEMPORAL_CLI:-temporal}"
attributes_file="${DESGW_SEARCH_ATTRIBUTES_FILE:-$here/search-attributes.txt}"
wait_s="${DESGW_WAIT_S:-120}"

# Runs the command until it succeeds or DESGW_WAIT_S have passed; shows its last error if it never does.
retry() {
  local what=$1 deadline=$((SECONDS + wait_s)) err
  shift
  err=$(mktemp)
  until "$@" >/dev/null 2>"$err"; do
    # Errors no wait can cure.
    if grep -qE 'different type|cannot have more than|unsupported search attribute type' "$err"; then
      echo "failed: $what" >&2
      cat "$err" >&2
      rm -f "$err"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "gave up after $wait_s s: $what" >&2
      cat "$err" >&2
      rm -f "$err"
      return 1
    fi
    sleep 1
  done
  rm -f "$err"
}

# NAME TYPE pairs, checked before anything is changed on the server.
names=() types=()
while read -r name type extra || [ -n "${name:-}" ]; do
  case "$name" in '' | '#'*) continue ;; esac
  if [[ ! "$name" =~ ^[A-Za-z][A-Za-z0-9_]*$ ]] || [ -n "${extra:-}" ] ||
    [[ ! "${type:-}" =~ ^(Int|Keyword|KeywordList|Text|Double|Bool|Datetime)$ ]]; then
    echo "$attributes_file: '$name ${type:-} ${extra:-}' is not NAME TYPE (Int, Keyword, KeywordList, Text, Double, Bool, Datetime)" >&2
    exit 1
  fi
  names+=("$name") types+=("$type")
done <"$attributes_file"

retry "the Temporal server at ${TEMPORAL_ADDRESS:-its default address} to answer" "$cli" operator cluster health

if "$cli" operator namespace describe --namespace "$ns" >/dev/null 2>&1; then
  echo "namespace $ns exists; kept as it is" >&2
else
  # Created here, or by a concurrent run: either way it exists afterwards.
  "$cli" operator namespace create --namespace "$ns" --retention "$retention" >/dev/null 2>&1 ||
    retry "namespace $ns to exist" "$cli" operator namespace describe --namespace "$ns"
  echo "namespace $ns created (retention $retention)" >&2
fi

# One call for all; those that exist with the same type are kept. A namespace just created may not
# be known to every part of the server yet, hence the retries.
args=()
for i in "${!names[@]}"; do args+=(--name "${names[$i]}" --type "${types[$i]}"); done
retry "search attributes ${names[*]} in $ns" "$cli" operator search-attribute create --namespace "$ns" "${args[@]}"
echo "search attributes of $ns: ${names[*]}" >&2
