# shellcheck shell=bash
# diffimg_setup.sh -- SANDBOX stand-in for Post-Processing's environment setup. Source it with the
# checkout as working directory:   cd Post-Processing && source diffimg_setup.sh
#
# As the real one it exports ROOTDIR (where the grid writes: here the site's
# pnfs/des/persistent/gw) and ROOTDIR2 (the working directory), "sets up" the DES eups stack
# (here: puts sandbox-bin/python, a Python 2.7 stand-in, on PATH) and prints `EUPS setup complete`;
# then, for every postproc_*.ini in the WORKING directory, in the order the shell sorts their names
# (as `ls` does: postproc_612.ini comes after postproc_1550.ini), it runs
# `python getSeason.py --ini INI`, reads getSeason.txt back into SEASON (taken from the ini's FILE
# NAME, postproc_<SEASON>.ini, not from its [general] season), exports it with
# TOPDIR_SNFORCEPHOTO_IMAGES=$ROOTDIR2/forcephoto/images/dp$SEASON and
# TOPDIR_SNFORCEPHOTO_OUTPUT=…/output/dp$SEASON, creates them, and the first time the images
# directory is created links the grid's forced-photometry files into it. So SEASON ends up as the
# LAST ini's: two post-processings in one checkout collide. No ini: SEASON is left as it was.
# Then TOPDIR_TEMPLATES, SNANA_DIR and the rest, as the real one.
#
# Like the real one it is NOT `set -u`-safe: eups's startup expands $DYLD_LIBRARY_PATH, $EUPS_PATH
# and $BASH_COMPLETION, and the script $FTOOLS_DIR, $PYTHON_DIR, $DIFFIMG_DIR and $WCSTOOLS_DIR,
# all unset in a fresh shell (the sandbox has no eups to set them). Sourced under `set -u`, the
# shell dies at the first of them. Ledger event `pp_setup`. Everything here is sourced into the
# caller: nothing exits.

_pp_dir=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)
_pp_site=$(dirname "$_pp_dir")

##### edit these lines before running the code:
export ROOTDIR="$_pp_site/pnfs/des/persistent/gw"
ROOTDIR2=$(pwd)
export ROOTDIR2
#####

# What `source /cvmfs/des.opensciencegrid.org/eeups/startupcachejob21i.sh` does to a fresh shell:
# eups extends variables nobody has set yet.
# shellcheck disable=SC2269 # eups re-exports what it finds, empty or not
DYLD_LIBRARY_PATH=$DYLD_LIBRARY_PATH
export EUPS_SHELL=bash
if [ -n "$BASH_COMPLETION" ]; then
    export EUPS_BASH_COMPLETION=1
fi
case ":$PATH:" in
    *":$_pp_dir/sandbox-bin:"*) ;;
    *) export PATH="$_pp_dir/sandbox-bin:$PATH" ;;
esac
export EXPERIMENT=des
export IFDH_NO_PROXY=1
export IFDH_CP_MAXRETRIES=2
export EUPS_PATH=/cvmfs/des.opensciencegrid.org/eeups/fnaleups:$EUPS_PATH

# other setups (eups `setup ftools` would set FTOOLS_DIR; the sandbox has no eups)
export HEADAS=$FTOOLS_DIR
echo "EUPS setup complete"

# (the real one: ${HOME}/.desservices.ini; the sandbox's ~ is the site's home/)
export DES_SERVICES=$_pp_site/home/.desservices.ini
export DES_DB_SECTION=db-sn-test
export DIFFIMG_HOST=FNAL
export SCAMP_CATALOG_DIR=$PWD/SNscampCatalog
export AUTOSCAN_PYTHON=$PYTHON_DIR/bin/python

### Add for multi-season processing ###
_pp_n=0
for _pp_ini in postproc_*.ini; do
    [[ -f $_pp_ini ]] || continue
    _pp_n=$((_pp_n + 1))
done
echo "$_pp_n"
for _pp_ini in postproc_*.ini; do
    [[ -f $_pp_ini ]] || continue
    python getSeason.py --ini "$_pp_ini"
    SEASON=$(cat getSeason.txt 2>/dev/null)
    export SEASON
    export TOPDIR_SNFORCEPHOTO_IMAGES="$ROOTDIR2/forcephoto/images/dp$SEASON"
    export TOPDIR_SNFORCEPHOTO_OUTPUT="$ROOTDIR2/forcephoto/output/dp$SEASON"
    [[ -d $TOPDIR_SNFORCEPHOTO_OUTPUT ]] || mkdir -p "$TOPDIR_SNFORCEPHOTO_OUTPUT"
    if [[ ! -d $TOPDIR_SNFORCEPHOTO_IMAGES ]]; then
        mkdir -p "$TOPDIR_SNFORCEPHOTO_IMAGES"
        for _pp_nite in "$ROOTDIR/forcephoto/images/dp$SEASON"/*/; do
            [[ -d $_pp_nite ]] || continue
            _pp_nite=$(basename "$_pp_nite")
            mkdir -p "$TOPDIR_SNFORCEPHOTO_IMAGES/$_pp_nite"
            _pp_files=()
            for _pp_f in "$ROOTDIR/forcephoto/images/dp$SEASON/$_pp_nite"/*/*.fits "$ROOTDIR/forcephoto/images/dp$SEASON/$_pp_nite"/*/*.psf; do
                [[ -e $_pp_f ]] && _pp_files+=("$_pp_f")
            done
            ((${#_pp_files[@]})) && ln -sf -- "${_pp_files[@]}" "$TOPDIR_SNFORCEPHOTO_IMAGES/$_pp_nite/"
        done
    fi
done

###----------------------------------------------------------------------###
export TOPDIR_DATAFILES_PUBLIC="$ROOTDIR/DESSN_PIPELINE/SNFORCE/DATAFILES_TEST"
export TOPDIR_WSTEMPLATES="$ROOTDIR/WSTemplates"
export TOPDIR_TEMPLATES="$ROOTDIR/WSTemplates"
export TOPDIR_SNTEMPLATES="$ROOTDIR/SNTemplates"
# shellcheck disable=SC2034 # set for the scripts sourced after it, as the real one does
{
    ETCDIR=${DIFFIMG_DIR}/etc
    XY2SKY=${WCSTOOLS_DIR}/bin/xy2sky
}
export PFILES="$PWD/syspfiles"
export SNANA_DIR=/data/des41.b/data/kessler/snana/snana
export SNANA_ROOT=/data/des41.b/data/SNDATA_ROOT

if [[ -f $_pp_site/lib/sandbox-lib.sh && -d $_pp_site/state ]]; then
    DESGW_SANDBOX_ROOT=$_pp_site bash "$_pp_site/lib/sandbox-lib.sh" ledger pp_setup "pid:=$$" "cwd=$PWD" \
        "inis:=$_pp_n" "season=${SEASON:-}"
fi
unset _pp_dir _pp_site _pp_n _pp_ini _pp_nite _pp_f _pp_files
