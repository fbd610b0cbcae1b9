#!/bin/bash
# DAGMaker_proxyuser.sh -- SANDBOX stand-in for the DAGMaker a person runs with their own grid
# proxy (DAGMaker.sh is for the desgw account). It checks the proxy with voms-proxy-info, then
# runs the same implementation as DAGMaker.sh (the site's copy, found via $DESGW_SANDBOX_ROOT) in
# the current directory; the ledger's `script` field says DAGMaker_proxyuser.sh.
set -u

if [[ -z ${DESGW_SANDBOX_ROOT:-} || ! -x ${DESGW_SANDBOX_ROOT}/gw_workflow/DAGMaker.sh ]]; then
    echo "$0: line 12: voms-proxy-info: command not found" >&2
    echo "$0: line 240: setup: command not found" >&2
    exit 127
fi

if ! voms-proxy-info -exists -valid 1:00 >/dev/null; then
    echo "Error: no valid grid proxy (DAGMaker_proxyuser.sh needs one for ifdh)." \
        "Run kx509 and voms-proxy-init -rfc -noregen -voms des:/des/Role=Analysis -valid 24:00"
    exit 1
fi

_DESGW_SANDBOX_SCRIPT=DAGMaker_proxyuser.sh exec "$DESGW_SANDBOX_ROOT/gw_workflow/DAGMaker.sh" "$@"
