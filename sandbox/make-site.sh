#!/bin/bash
# make-site.sh -- instantiate a fresh DESGW sandbox site.
#
#   bash sandbox/make-site.sh [--force] DEST
#
# Creates DEST/{gw_workflow,grid/bin,lib,telescope,home,lists,state} from this template directory,
# the Post-Processing checkout DEST/Post-Processing (next to gw_workflow, as ../Post-Processing on
# the real machine; its postproc.ini's rootdir set to the site's pnfs root) and that root,
# DEST/pnfs/des/persistent/gw/{exp,forcephoto/images}, where the sandbox grid writes.
# Refuses (exit 1) when DEST/gw_workflow already exists, unless --force, which replaces the site
# (all of the directories above, state and pnfs included). The durations and the fake DB password
# are taken from the environment and written to DEST/state/config.sh (sourced by every sandbox
# script on each invocation; edit it to change them mid-run):
#   SANDBOX_SETUP_SECONDS [1]  SANDBOX_DAGMAKER_MIN_SECONDS [3]  SANDBOX_DAGMAKER_MAX_SECONDS [8]
#   SANDBOX_SUBMIT_SECONDS [0.5]  SANDBOX_EXPINFO_SECONDS [0.5]  SANDBOX_PROXY_HOURS [168]
#   SANDBOX_GRID_SECONDS [5]  SANDBOX_POSTPROC_SECONDS [3]  SANDBOX_FORCEPHOTO_SECONDS [0.3]
#   SANDBOX_DB_PASSWORD [random fake, e.g. sbx-fake-3f9c0a...]
set -euo pipefail

usage() {
    echo "usage: bash make-site.sh [--force] DEST" >&2
    exit 2
}
force=0
dest=""
for arg in "$@"; do
    case $arg in
        --force | -f) force=1 ;;
        -h | --help) usage ;;
        -*) usage ;;
        *)
            [[ -z $dest ]] || usage
            dest=$arg
            ;;
    esac
done
[[ -n $dest ]] || usage

template=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)

# Validate the knobs before touching anything: durations are non-negative decimal numbers.
for var in SANDBOX_SETUP_SECONDS SANDBOX_DAGMAKER_MIN_SECONDS SANDBOX_DAGMAKER_MAX_SECONDS \
    SANDBOX_SUBMIT_SECONDS SANDBOX_EXPINFO_SECONDS SANDBOX_PROXY_HOURS SANDBOX_GRID_SECONDS SANDBOX_POSTPROC_SECONDS \
    SANDBOX_FORCEPHOTO_SECONDS; do
    val=${!var:-}
    if [[ -n $val && ! $val =~ ^[0-9]*\.?[0-9]+$ ]]; then
        echo "make-site.sh: $var must be a non-negative number, got '$val'" >&2
        exit 2
    fi
done

mkdir -p -- "$dest"
dest=$(cd -- "$dest" && pwd -P)
if [[ -e $dest/gw_workflow ]]; then
    if ((!force)); then
        echo "make-site.sh: $dest/gw_workflow already exists; use --force to replace the site" >&2
        exit 1
    fi
    # Grid runs still going would write into the new site: stop them first.
    if [[ -f $dest/lib/grid-run.sh ]]; then DESGW_SANDBOX_ROOT=$dest bash "$dest/lib/grid-run.sh" stop-all >/dev/null 2>&1 || true; fi
    rm -rf -- "${dest:?}/gw_workflow" "${dest:?}/grid" "${dest:?}/lib" "${dest:?}/telescope" "${dest:?}/home" \
        "${dest:?}/lists" "${dest:?}/state" "${dest:?}/Post-Processing" "${dest:?}/pnfs"
fi

mkdir -p "$dest/grid" "$dest/state/faults"
cp -R "$template/gw_workflow" "$dest/gw_workflow"
cp -R "$template/grid/bin" "$dest/grid/bin"
cp -R "$template/lib" "$dest/lib"
cp -R "$template/telescope" "$dest/telescope"
cp -R "$template/home" "$dest/home"
cp -R "$template/lists" "$dest/lists"
pnfs="$dest/pnfs/des/persistent/gw"
mkdir -p "$pnfs/exp" "$pnfs/forcephoto/images"
# The Post-Processing checkout, its template ini pointing at the site's pnfs root.
cp -R "$template/post-processing" "$dest/Post-Processing"
SBX_PNFS=$pnfs awk '
    /^\[/ { section = $0 }
    section == "[general]" && /^rootdir[ \t]*=/ { print "rootdir = " ENVIRON["SBX_PNFS"]; next }
    { print }' "$template/post-processing/postproc.ini" >"$dest/Post-Processing/postproc.ini"
chmod 755 "$dest"/Post-Processing/*.sh "$dest"/Post-Processing/sandbox-bin/python "$dest"/Post-Processing/forcePhoto_master.pl
chmod 755 "$dest"/gw_workflow/*.sh "$dest"/grid/bin/*
chmod 600 "$dest"/home/.pgpass "$dest"/home/.desservices.ini "$dest"/home/.wgetrc-desdm

password=${SANDBOX_DB_PASSWORD:-}
if [[ -z $password ]]; then
    password="sbx-fake-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
fi

# The site's dessci password, in easyaccess's file too ([db-dessci] passwd).
SBX_PW=$password awk '
    /^\[/ { section = $0 }
    section == "[db-dessci]" && /^passwd[ \t]*=/ { print "passwd = " ENVIRON["SBX_PW"]; next }
    { print }' "$template/home/.desservices.ini" >"$dest/home/.desservices.ini"

{
    echo "# DESGW sandbox site configuration, written by make-site.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
    echo "# Sourced by every sandbox script on each invocation: edits take effect at once."
    printf 'SANDBOX_SETUP_SECONDS=%q\n' "${SANDBOX_SETUP_SECONDS:-1}"
    printf 'SANDBOX_DAGMAKER_MIN_SECONDS=%q\n' "${SANDBOX_DAGMAKER_MIN_SECONDS:-3}"
    printf 'SANDBOX_DAGMAKER_MAX_SECONDS=%q\n' "${SANDBOX_DAGMAKER_MAX_SECONDS:-8}"
    printf 'SANDBOX_SUBMIT_SECONDS=%q\n' "${SANDBOX_SUBMIT_SECONDS:-0.5}"
    printf 'SANDBOX_EXPINFO_SECONDS=%q\n' "${SANDBOX_EXPINFO_SECONDS:-0.5}"
    printf 'SANDBOX_PROXY_HOURS=%q\n' "${SANDBOX_PROXY_HOURS:-168}"
    echo "# The grid: seconds from a DAG's submission to its results (state/grid_durations: EXPNUM SECONDS lines win)."
    printf 'SANDBOX_GRID_SECONDS=%q\n' "${SANDBOX_GRID_SECONDS:-5}"
    echo "# Post-Processing's run_postproc.py: seconds for a whole run, spread over its steps."
    printf 'SANDBOX_POSTPROC_SECONDS=%q\n' "${SANDBOX_POSTPROC_SECONDS:-3}"
    echo "# Its forcePhoto_master.pl: seconds it runs (another forced-photometry perl on the site's machine then makes it abort)."
    printf 'SANDBOX_FORCEPHOTO_SECONDS=%q\n' "${SANDBOX_FORCEPHOTO_SECONDS:-0.3}"
    echo "# Fake secret: exported by setup_img_proc.sh as DESGW_SANDBOX_DB_PASSWORD; keep it out of logs/history."
    printf 'SANDBOX_DB_PASSWORD=%q\n' "$password"
} >"$dest/state/config.sh"
: >"$dest/state/ledger.jsonl"

echo "Sandbox site ready at $dest"
echo "  cd $dest/gw_workflow && source ./setup_img_proc.sh && ./DAGMaker.sh 941225"
