#!/usr/bin/env bash
# Lints every bash script of the project (the sandbox's stand-ins, the deployment's scripts) with shellcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -- sandbox scripts deploy | while read -r f; do
  case $f in *.sh) echo "$f" ;; *) head -n 1 "$f" 2>/dev/null | grep -qE '^#!.*\b(bash|sh)\b' && echo "$f" ;; esac
done)
shellcheck -x "${files[@]}"
