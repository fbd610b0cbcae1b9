#!/usr/bin/env bash
# Debian packages the test suite uses beside Node and Go: shellcheck (the lint), docker-compose (to validate
# docker-compose.yml; no Docker engine is needed for `config`), voms-clients (the real
# voms-proxy-info) and openssl (to make a short-lived test proxy). Installs the missing ones with
# apt-get when run as root; otherwise says what to install.
set -euo pipefail
need=()
command -v docker-compose >/dev/null || need+=(docker-compose)
command -v voms-proxy-info >/dev/null || need+=(voms-clients)
command -v openssl >/dev/null || need+=(openssl)
command -v shellcheck >/dev/null || need+=(shellcheck)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need: ${need[*]}. Install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} (apt-get)..." >&2
apt-get update -qq >&2
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
