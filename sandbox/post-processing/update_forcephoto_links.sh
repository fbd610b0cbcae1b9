#!/bin/bash
# update_forcephoto_links.sh -- SANDBOX stand-in for Post-Processing's link refresher: links the
# grid's forced-photometry files $ROOTDIR/forcephoto/images/dp$SEASON/NITE/EXPNUM/*.{fits,psf} into
# $TOPDIR_SNFORCEPHOTO_IMAGES/NITE/, for every NITE or only -n NITE. It needs the environment of
# `source diffimg_setup.sh`: without it, "Error: SEASON not set." (then ROOTDIR, then
# TOPDIR_SNFORCEPHOTO_IMAGES) on stdout, exit 1. Ledger event `forcephoto_links`.
#   ./update_forcephoto_links.sh [-n NITE]

if [ -z "${SEASON:-}" ]; then
    echo "Error: SEASON not set."
    exit 1
fi
if [ -z "${ROOTDIR:-}" ]; then
    echo "Error: ROOTDIR not set."
    exit 1
fi
if [ -z "${TOPDIR_SNFORCEPHOTO_IMAGES:-}" ]; then
    echo "Error: TOPDIR_SNFORCEPHOTO_IMAGES not set."
    exit 1
fi

only=""
while getopts "n:" opt; do
    case $opt in
        n)
            [[ $OPTARG =~ ^[0-9]+$ ]] || {
                echo "Error: Night must be an integer! You put $OPTARG"
                exit 1
            }
            only=$OPTARG
            ;;
        *) ;;
    esac
done

links=0
nites=0
src="$ROOTDIR/forcephoto/images/dp$SEASON"
for dir in "$src"/*/; do
    [[ -d $dir ]] || continue
    nite=$(basename "$dir")
    [[ -z $only || $nite == "$only" ]] || continue
    nites=$((nites + 1))
    mkdir -p "$TOPDIR_SNFORCEPHOTO_IMAGES/$nite"
    files=()
    for f in "$src/$nite"/*/*.fits "$src/$nite"/*/*.psf; do
        [[ -e $f ]] && files+=("$f")
    done
    if ((${#files[@]})) && ln -sf -- "${files[@]}" "$TOPDIR_SNFORCEPHOTO_IMAGES/$nite/"; then
        links=$((links + ${#files[@]}))
    fi
done

site=$(dirname "$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)")
if [[ -f $site/lib/sandbox-lib.sh && -d $site/state ]]; then
    DESGW_SANDBOX_ROOT=$site bash "$site/lib/sandbox-lib.sh" ledger forcephoto_links "pid:=$$" "cwd=$PWD" \
        "season=$SEASON" "nites:=$nites" "links:=$links"
fi
exit 0
