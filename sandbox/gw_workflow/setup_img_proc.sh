# shellcheck shell=bash
# setup_img_proc.sh -- SANDBOX stand-in for the DES image-processing environment setup.
#
# Source it (bash):   source ./setup_img_proc.sh
# The real one activates the des18a conda env and sources the DES eups setup from cvmfs; it is
# noisy and can fail or hang when cvmfs misbehaves. This one prints the same kind of noise, takes
# SANDBOX_SETUP_SECONDS, and exports the site root the other sandbox tools need:
#   DESGW_SANDBOX_ROOT  DESGW_SANDBOX_HOME  PATH (+grid/bin)  DESGW_SANDBOX_DB_PASSWORD  and
#   a few DES variables (EUPS_PATH, DIFFIMG_DIR, CONDA_DEFAULT_ENV, ...).
# Faults ($DESGW_SANDBOX_ROOT/state/faults/): setup_fail (count) -> cvmfs error, return 1;
# setup_hang (count) -> never returns (until killed).
# It is sourced: it never calls `exit`, and keeps its helpers inside one function.

_desgw_sandbox_setup() {
    local root lib secs pw v
    root=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/..
    root=$(cd "$root" && pwd -P) || return 1
    lib="$root/lib/sandbox-lib.sh"
    export DESGW_SANDBOX_ROOT="$root"

    DESGW_SANDBOX_ROOT="$root" bash "$lib" ledger setup "pid:=$$" "cwd=$PWD"

    echo "Setting up the DES image processing environment (SANDBOX site: $root)"
    echo "export CONDA_DIR=/cvmfs/des.opensciencegrid.org/fnal/anaconda2"
    echo "source /cvmfs/des.opensciencegrid.org/fnal/anaconda2/etc/profile.d/conda.sh"

    if DESGW_SANDBOX_ROOT="$root" bash "$lib" fault-take setup_fail "pid:=$$"; then
        echo "bash: /cvmfs/des.opensciencegrid.org/fnal/anaconda2/etc/profile.d/conda.sh: Transport endpoint is not connected" >&2
        echo "cvmfs: Transport endpoint is not connected (des.opensciencegrid.org): failed to mount repository" >&2
        echo "conda: command not found" >&2
        return 1
    fi
    if DESGW_SANDBOX_ROOT="$root" bash "$lib" fault-take setup_hang "pid:=$$"; then
        echo "Waiting for /cvmfs/des.opensciencegrid.org to respond..."
        # Short foreground sleeps: the shell dies as soon as it is signalled, the last sleep
        # outlives it by at most a second.
        while :; do sleep 1; done
    fi

    echo "conda activate des18a"
    echo "(des18a) Activating environment: /cvmfs/des.opensciencegrid.org/fnal/anaconda2/envs/des18a"
    echo "source /cvmfs/des.opensciencegrid.org/eeups/startupcachejob21i.sh"
    echo "Setting up eups"
    echo "  EUPS_DIR=/cvmfs/des.opensciencegrid.org/eeups/fnaleups/Linux64/eups/2.1.4"
    echo "  EUPS_PATH=/cvmfs/des.opensciencegrid.org/eeups/fnaleups"
    echo "  setup -j eups 2.1.4"
    echo "Setting up product versions:"
    for v in "perl 5.18.1+6" "Y2Nstack 1.0.6+18" "diffimg gw8" "ftools v6.17" "wcstools 3.9.5" \
        "autoscan 3.2.1+0" "astropy 1.1.2+6" "numpy 1.9.1+8" "despydb 2.0.0+4" "easyaccess 1.4.5+0" \
        "psycopg2 2.4.6+7" "cx_Oracle 5.2.1+4" "ifdhc v2_3_8" "jobsub_client v1_3_5" "cpn v1_7" \
        "pycurl v7_16_4" "SNANA v10_35g" "SExtractor 2.18.10+15" "PSFEx 3.17.3+6" "scamp 2.6.7+0"; do
        echo "  setup ${v% *} ${v##* }"
    done
    echo "export PYTHONPATH=/cvmfs/fermilab.opensciencegrid.org/products/common/prd/pycurl/v7_16_4/Linux64bit-2-6-2-12/pycurl:\$PYTHONPATH"
    echo "export IFDHC_CONFIG_DIR=/cvmfs/fermilab.opensciencegrid.org/products/common/prd/ifdhc_config/v2_3_8/NULL"
    echo "WARNING: diffimg gw8 is not the current version (current is gw9); continuing"

    secs=$(DESGW_SANDBOX_ROOT="$root" bash "$lib" config SANDBOX_SETUP_SECONDS) || secs=1
    sleep "$secs"
    pw=$(DESGW_SANDBOX_ROOT="$root" bash "$lib" config SANDBOX_DB_PASSWORD) || pw=""

    export DESGW_SANDBOX_HOME="$root/home"
    export DESGW_SANDBOX_DB_PASSWORD="$pw"
    case ":${PATH:-}:" in
        *":$root/grid/bin:"*) ;;
        *) export PATH="$root/grid/bin${PATH:+:$PATH}" ;;
    esac
    export CONDA_DIR=/cvmfs/des.opensciencegrid.org/fnal/anaconda2
    export CONDA_DEFAULT_ENV=des18a
    export CONDA_PREFIX=/cvmfs/des.opensciencegrid.org/fnal/anaconda2/envs/des18a
    export EUPS_DIR=/cvmfs/des.opensciencegrid.org/eeups/fnaleups/Linux64/eups/2.1.4
    export EUPS_PATH=/cvmfs/des.opensciencegrid.org/eeups/fnaleups
    export DIFFIMG_DIR=/cvmfs/des.opensciencegrid.org/eeups/fnaleups/Linux64/diffimg/gw8
    export DIFFIMG_HOST=FNAL
    export EXPERIMENT=des
    export DES_SERVICES="$root/home/.desservices.ini"
    export IFDH_CP_MAXRETRIES=2

    echo "Environment ready: CONDA_DEFAULT_ENV=$CONDA_DEFAULT_ENV DIFFIMG_DIR=$DIFFIMG_DIR"
    return 0
}

if _desgw_sandbox_setup; then
    unset -f _desgw_sandbox_setup
    return 0
fi
unset -f _desgw_sandbox_setup
return 1
