#!/bin/bash
# SEdiff.sh -- SANDBOX placeholder for the grid job that runs SE processing and diffimg on one
# CCD. Only referenced (file://SEdiff.sh) by the DAGs DAGMaker writes; never run in the sandbox.
echo "SEdiff.sh (sandbox placeholder) called with: $*"
exit 0
