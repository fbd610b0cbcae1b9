#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# getExposureInfo.sh -- SANDBOX stand-in for the query of the telescope's exposure table.
# Writes ./exposures.list (header + every exposure known to the telescope, i.e. the rows of
# $DESGW_SANDBOX_ROOT/telescope/exposures.tsv) and the per-band copies ./exposures_<band>.list,
# in the CURRENT directory. Takes SANDBOX_EXPINFO_SECONDS (default 0.5). Ledger: get_exposure_info.
set -u

if [[ -z ${DESGW_SANDBOX_ROOT:-} || ! -f ${DESGW_SANDBOX_ROOT}/lib/sandbox-lib.sh ]]; then
    echo "$0: line 9: /cvmfs/des.opensciencegrid.org/eeups/startupcachejob21i.sh: No such file or directory" >&2
    echo "$0: line 11: setup: command not found" >&2
    exit 127
fi
# shellcheck source=../lib/sandbox-lib.sh
source "$DESGW_SANDBOX_ROOT/lib/sandbox-lib.sh"
sb_load_config

if [ ! -f "${DESGW_SANDBOX_HOME:-$DESGW_SANDBOX_ROOT/home}/.pgpass" ]; then
    echo "You might have some problems running this because you don't have a .pgpass in your home directory. Try making one if this doesn't work."
fi

src="$DESGW_SANDBOX_ROOT/telescope/exposures.tsv"
echo "setup easyaccess; setup psycopg2"
echo "python getExposureInfo.py"
echo "Connecting to the telescope exposure database (postgres, db=decam_prd) ..."
# As the real script does: it opens ./exposures.list for writing (through a symlink if there is
# one), writes the header, then the rows as the query returns them. Meanwhile the file is short.
if ! head -n 1 "$src" >exposures.list; then
    echo "Error: query of the exposure table failed" >&2
    exit 1
fi
sb_nap "$SANDBOX_EXPINFO_SECONDS"
rows=$(awk 'NR > 1 && NF > 0 { n++ } END { print n + 0 }' "$src")
echo "Query returned $rows exposures; writing exposures.list"
awk 'NR > 1 && NF > 0' "$src" >>exposures.list

for band in u g r i z Y VR; do
    awk -v b="$band" '($6 == b)' exposures.list >"exposures_${band}.list"
done

sb_ledger get_exposure_info "pid:=$$" "cwd=$PWD" "rows:=$rows"
exit 0
