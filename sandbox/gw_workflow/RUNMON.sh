#!/bin/bash
# RUNMON.sh -- SANDBOX placeholder for the final monitoring job of a DESGW DAG. Only referenced
# (file://RUNMON.sh) by the DAGs DAGMaker writes; never run in the sandbox.
echo "RUNMON.sh (sandbox placeholder) called with: $*"
exit 0
