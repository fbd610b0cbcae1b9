#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# grid-run.sh -- the SANDBOX grid: "runs" a DAG that jobsub_submit_dag accepted, without a daemon.
#
#   bash grid-run.sh start JOBID DAGPATH   called by jobsub_submit_dag once the job is recorded
#   bash grid-run.sh run CLUSTER           the detached part (started by `start`, never by hand)
#   bash grid-run.sh stop-all              kill this site's grid runs still going (test clean-up)
#
# `start` reads the DAG's search jobs (`file://SEdiff.sh … -E EXPNUM -b BAND -n NITE -c CCD -S dpSEASON
# -d DESTCACHE -m SCHEMA`, CCD ≥ 1) and whether it ends with a RUNMON.sh job, creates the 59 CCD
# directories under the site's pnfs root (DAGMaker pre-creates them in reality), takes this
# exposure's grid faults, writes state/grid/CLUSTER.job and starts `run` in its own session
# (setsid, stdio on state/grid/CLUSTER.log), so it outlives the caller and a kill of the caller's
# process group. `run` sleeps SANDBOX_GRID_SECONDS (or the exposure's line in state/grid_durations),
# writes half of the CCDs' results at half time and the rest at the end, then the forced-photometry
# files, then (when the run inputs were made with WRITEDB=on) the candidates of its complete CCDs in
# the sandbox's stand-in of the DES database, then RUNEND_monDiffimg.LOG (only when the DAG has its
# RUNMON.sh job), then sets the job's status to C in state/jobs.tsv (so jobsub_q stops listing it)
# and logs `grid_done`.
#
# The database: state/db/SNCAND.tsv, one candidate detection a line, tab-separated
# `SEASON SNID EXPNUM NITE BAND CCD` (no header), appended under state/.db.lock. The real grid jobs
# write SNCAND only when DAGMaker ran RUN_DIFFIMG_PIPELINE.pl with -writeDB (WRITEDB=on): the sandbox
# DAGMaker records that command in mytemp_EXPNUM/RUN_DIFFIMG_PIPELINE.cmd beside the DAG, which
# `start` reads. 1-2 candidates per exposure (fixed per exposure), on complete CCDs only: a failed
# CCD's candidates are removed by its job, and an exposure without templates has none.
#
# The pnfs root is $DESGW_SANDBOX_ROOT/pnfs/des/DESTCACHE/SCHEMA (persistent/gw by default):
#   exp/NITE/EXPNUM/dpSEASON/BAND_CC/outputs_dpSEASON_NITE_EXPNUM_BAND_CC.tar.gz  (a tiny text, not a tarball)
#   exp/NITE/EXPNUM/dpSEASON/BAND_CC/RUNnn_step.FAIL                             (failed CCDs; the tarball too)
#   forcephoto/images/dpSEASON/NITE/EXPNUM/WS<SSSS>_EXPNUM_combined_BAND_CC_diff_mh.{fits,psf} (complete CCDs)
#   exp/NITE/EXPNUM/dpSEASON/RUNEND_monDiffimg.LOG                              (last)
# Outcomes are deterministic per exposure (cksum of EXPNUM): 0-3 CCDs fail, 0-1 stays incomplete.
# A DAG without templates (no RUNMON.sh job) fails on every CCD and writes no RUNEND. Results of an
# earlier run of the same exposure and season are not removed (as in dCache).
# Faults (state/faults/, each fires once per submission unless a count says more):
#   grid_bad.EXPNUM          30 CCDs fail (RUN05_expose_makeWeight.FAIL): the exposure fails its check
#   grid_incomplete.EXPNUM   20 CCDs never copy anything back: the exposure fails its check
#   grid_forcephoto.EXPNUM   content partial | half | extra | none: 3 CCDs lack their .psf; only half
#                            of the files; 4 files of unprocessed CCDs too; no forced photometry
#   grid_held.EXPNUM         the job goes to status H and never finishes (no results, no RUNEND)
#   grid_no_runend.EXPNUM    results written and the job leaves the queue, but no RUNEND
set -u

if [[ -z ${DESGW_SANDBOX_ROOT:-} || ! -f ${DESGW_SANDBOX_ROOT}/lib/sandbox-lib.sh ]]; then
    echo "grid-run.sh: DESGW sandbox environment not set up" >&2
    exit 1
fi
# shellcheck source=sandbox-lib.sh
source "$DESGW_SANDBOX_ROOT/lib/sandbox-lib.sh"
unset SANDBOX_GRID_SECONDS
sb_load_config
: "${SANDBOX_GRID_SECONDS:=5}"
[[ $SANDBOX_GRID_SECONDS =~ ^[0-9]*\.?[0-9]+$ ]] || SANDBOX_GRID_SECONDS=5
state="$DESGW_SANDBOX_ROOT/state"
griddir="$state/grid"
self="$DESGW_SANDBOX_ROOT/lib/grid-run.sh"

# The diffimg steps whose FAIL files the grid leaves (names from SEdiff.sh's RUN scripts).
FAIL_STEPS=(RUN02_expose_makeStarCat RUN05_expose_makeWeight RUN22_combined+expose_filterObj)

# job_status JOBID NEW: set the job's status column in jobs.tsv (only from R or I), under the
# lock jobsub_submit_dag appends with; the file is replaced atomically.
job_status() {
    local jobid=$1 new=$2 fd tmp
    [[ -f $state/jobs.tsv ]] || return 0
    exec {fd}>>"$state/.jobid.lock"
    flock "$fd"
    tmp="$state/.jobs.tsv.$$"
    awk -F'\t' -v OFS='\t' -v id="$jobid" -v st="$new" '$1 == id && ($6 == "R" || $6 == "I") { $6 = st } { print }' \
        "$state/jobs.tsv" >"$tmp" && mv -f -- "$tmp" "$state/jobs.tsv"
    exec {fd}>&-
}

# grid_seconds EXPNUM OUTVAR: a line "EXPNUM SECONDS" in state/grid_durations wins over the knob.
grid_seconds() {
    local -n _gs=$2
    _gs=""
    if [[ -f $state/grid_durations ]]; then
        _gs=$(awk -v e="$1" '$1 == e && $2 ~ /^[0-9]*\.?[0-9]+$/ { v = $2 } END { print v }' "$state/grid_durations")
    fi
    [[ -n $_gs ]] || _gs=$SANDBOX_GRID_SECONDS
}

cmd_start() {
    local jobid=$1 dagpath=$2 cluster line w i exps="" band="" nite="" season="" destcache=persistent schema=gw
    local runmon=0 runend_exps="" ccds=() words=() key expnum seconds fp=normal writedb=0
    cluster=${jobid%%.*}
    [[ $cluster =~ ^[0-9]+$ ]] || {
        echo "grid-run.sh: bad job id" >&2
        return 1
    }
    mkdir -p "$griddir"
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line == *file://SEdiff.sh* || $line == *file://RUNMON.sh* ]] || continue
        read -r -a words <<<"$line"
        local e="" b="" n="" c="" s="" d="" m=""
        for ((i = 0; i < ${#words[@]} - 1; i++)); do
            w=${words[i + 1]}
            case ${words[i]} in
                -E) e=$w ;; -b) b=$w ;; -n) n=$w ;; -c) c=$w ;; -S) s=$w ;; -d) d=$w ;; -m) m=$w ;;
            esac
        done
        if [[ $line == *file://RUNMON.sh* ]]; then
            runmon=1
            [[ $e =~ ^[0-9]+$ ]] && runend_exps=$e
            continue
        fi
        if [[ ! $c =~ ^[0-9]+$ ]] || ((10#$c < 1)); then continue; fi # template jobs have -c 0
        [[ $e =~ ^[0-9]+(,[0-9]+)*$ && $b =~ ^[A-Za-z]{1,2}$ && $n =~ ^[0-9]{8}$ && $s =~ ^dp[0-9]+$ ]] || continue
        exps=${e//,/ } band=$b nite=$n season=$s
        [[ $d =~ ^[A-Za-z0-9_]+$ ]] && destcache=$d
        [[ $m =~ ^[A-Za-z0-9_]+$ ]] && schema=$m
        ccds+=("$((10#$c))")
    done <"$dagpath"

    expnum=""
    [[ ${dagpath##*/} =~ ^desgw_pipeline_([0-9]+)\.dag$ ]] && expnum=${BASH_REMATCH[1]}
    [[ -n $expnum ]] || expnum=${exps%% *}
    local pnfs="$DESGW_SANDBOX_ROOT/pnfs/des/$destcache/$schema"
    if ((${#ccds[@]})); then
        local dirs=() x c
        for x in $exps; do
            for c in "${ccds[@]}"; do dirs+=("$pnfs/exp/$nite/$x/$season/$(printf '%s_%02d' "$band" "$c")"); done
        done
        mkdir -p -- "${dirs[@]}" "$pnfs/forcephoto/images/$season/$nite"
    fi

    seconds=$SANDBOX_GRID_SECONDS
    [[ -n $expnum ]] && grid_seconds "$expnum" seconds
    # WRITEDB=on, as baked into the run inputs: the command DAGMaker recorded beside the DAG.
    if [[ -n $expnum ]] && grep -q -- ' -writeDB' "$(dirname -- "$dagpath")/mytemp_$expnum/RUN_DIFFIMG_PIPELINE.cmd" 2>/dev/null; then
        writedb=1
    fi
    local bad=0 incomplete=0 held=0 norunend=0
    if [[ -n $expnum ]]; then
        sb_fault_take "grid_bad.$expnum" "expnum:=$expnum" "script=grid-run.sh" && bad=1
        sb_fault_take "grid_incomplete.$expnum" "expnum:=$expnum" "script=grid-run.sh" && incomplete=1
        sb_fault_take "grid_held.$expnum" "expnum:=$expnum" "script=grid-run.sh" && held=1
        sb_fault_take "grid_no_runend.$expnum" "expnum:=$expnum" "script=grid-run.sh" && norunend=1
        if sb_fault_take_value "grid_forcephoto.$expnum" fp "expnum:=$expnum" "script=grid-run.sh"; then
            [[ $fp =~ ^(partial|half|extra|none)$ ]] || fp=partial
        fi
    fi
    {
        printf 'jobid %s\nexpnum %s\nexps %s\nband %s\nnite %s\nseason %s\npnfs %s\nccds %s\n' \
            "$jobid" "$expnum" "$exps" "$band" "$nite" "$season" "$pnfs" "${ccds[*]:-}"
        printf 'runmon %s\nrunend_exps %s\nseconds %s\nbad %s\nincomplete %s\nheld %s\nnorunend %s\nforcephoto %s\n' \
            "$runmon" "${runend_exps:-$expnum}" "$seconds" "$bad" "$incomplete" "$held" "$norunend" "$fp"
        printf 'writedb %s\n' "$writedb"
    } >"$griddir/$cluster.job"
    sb_ledger grid_start "expnum:=$expnum" "jobid=$jobid" "cluster:=$cluster" "seconds:=$seconds" "nccds:=${#ccds[@]}" \
        "season=${season#dp}" "nite=$nite" "band=$band" "runmon:=$([[ $runmon == 1 ]] && echo true || echo false)" \
        "writedb:=$([[ $writedb == 1 ]] && echo true || echo false)"
    key=$cluster
    if command -v setsid >/dev/null 2>&1; then
        setsid bash "$self" run "$key" </dev/null >>"$griddir/$cluster.log" 2>&1 &
    else
        nohup bash "$self" run "$key" </dev/null >>"$griddir/$cluster.log" 2>&1 &
    fi
    return 0
}

# write_ccd PNFS NITE EXP SEASON BAND CCD STATE [STEP]: the files one CCD job copies back.
write_ccd() {
    local dir cc
    cc=$(printf '%02d' "$6")
    dir="$1/exp/$2/$3/$4/$5_$cc"
    [[ $7 == incomplete ]] && return 0
    mkdir -p -- "$dir" || return 0
    printf 'SANDBOX placeholder for the tarball of %s %s %s %s CCD %s\n' "$4" "$2" "$3" "$5" "$cc" \
        >"$dir/outputs_$4_$2_$3_$5_$cc.tar.gz"
    if [[ $7 == failed ]]; then
        printf '%s.LOG : RETURN CODE: 1 \n%s %s sandbox-worker\n' "${8:-RUN05_expose_makeWeight}" "$JOBID" "$JOBID" >"$dir/${8:-RUN05_expose_makeWeight}.FAIL"
    fi
}

# write_forcephoto PNFS NITE EXP SEASON BAND CCD [fits|psf|both]
write_forcephoto() {
    local dir stem
    dir="$1/forcephoto/images/$4/$2/$3"
    mkdir -p -- "$dir" || return 0
    stem="WS$(printf '%04d' "$((10#${4#dp}))")_$3_combined_$5_$(printf '%02d' "$6")_diff_mh"
    [[ ${7:-both} == psf ]] || printf 'SANDBOX forced-photometry image\n' >"$dir/$stem.fits"
    [[ ${7:-both} == fits ]] || printf 'SANDBOX forced-photometry PSF\n' >"$dir/$stem.psf"
}

# write_candidates SEASON NITE BAND "EXPS" OUTVAR COMPLETE_CCD...: the SNCAND rows the search jobs
# of the exposures' complete CCDs write (1-2 per exposure, fixed per exposure), under the db lock.
write_candidates() {
    local season=$1 nite=$2 band=$3 exps=$4 fd x sum n k ccd snid rows=""
    local -n _nc=$5
    shift 5
    local -a ccds=("$@")
    _nc=0
    ((${#ccds[@]})) || return 0
    for x in $exps; do
        sum=$(printf '%s' "$x" | cksum)
        sum=${sum%% *}
        n=$((1 + (sum / 7) % 2))
        for ((k = 0; k < n; k++)); do
            ccd=${ccds[(sum / 5 + k * 13) % ${#ccds[@]}]}
            snid=$((10#${season#dp} * 100000 + (sum / 3 + k * 7919) % 100000))
            rows+=$(printf '%s\t%s\t%s\t%s\t%s\t%s' "${season#dp}" "$snid" "$x" "$nite" "$band" "$ccd")$'\n'
            _nc=$((_nc + 1))
        done
    done
    mkdir -p -- "$state/db" || return 0
    exec {fd}>>"$state/.db.lock"
    flock "$fd"
    printf '%s' "$rows" >>"$state/db/SNCAND.tsv"
    exec {fd}>&-
}

JOBID=""
cmd_run() {
    local cluster=$1 spec key val
    spec="$griddir/$cluster.job"
    [[ -f $spec ]] || exit 1
    printf '%s\n' "$$" >"$griddir/$cluster.pid"
    trap '[[ -n $SB_NAP_PID ]] && kill "$SB_NAP_PID" 2>/dev/null; rm -f -- "$griddir/$cluster.pid"; exit 143' TERM
    trap '[[ -n $SB_NAP_PID ]] && kill "$SB_NAP_PID" 2>/dev/null; rm -f -- "$griddir/$cluster.pid"; exit 130' INT
    local expnum="" exps="" band="" nite="" season="" pnfs="" ccdtext="" runmon=0 runend_exps="" seconds=0
    local bad=0 incomplete=0 held=0 norunend=0 forcephoto=normal writedb=0
    while read -r key val; do
        case $key in
            jobid) JOBID=$val ;; expnum) expnum=$val ;; exps) exps=$val ;; band) band=$val ;; nite) nite=$val ;;
            season) season=$val ;; pnfs) pnfs=$val ;; ccds) ccdtext=$val ;; runmon) runmon=$val ;;
            runend_exps) runend_exps=$val ;; seconds) seconds=$val ;; bad) bad=$val ;; incomplete) incomplete=$val ;;
            held) held=$val ;; norunend) norunend=$val ;; forcephoto) forcephoto=$val ;; writedb) writedb=$val ;;
        esac
    done <"$spec"

    if [[ $held == 1 ]]; then
        job_status "$JOBID" H
        sb_ledger grid_held "expnum:=$expnum" "jobid=$JOBID" "cluster:=$cluster"
        rm -f -- "$griddir/$cluster.pid"
        exit 0
    fi

    local -a ccdlist statelist steplist
    read -r -a ccdlist <<<"$ccdtext"
    local n=${#ccdlist[@]} i sum nfail k idx
    # Each CCD's fate, deterministic per exposure.
    sum=$(printf '%s' "$expnum" | cksum)
    sum=${sum%% *}
    for ((i = 0; i < n; i++)); do statelist[i]=complete steplist[i]=""; done
    if ((n)); then
        nfail=$((sum % 4))
        for ((k = 0; k < nfail; k++)); do
            idx=$(((sum / 4 + k * 17) % n))
            statelist[idx]=failed
            steplist[idx]=${FAIL_STEPS[(sum + k) % ${#FAIL_STEPS[@]}]}
        done
        if (((sum / 16) % 2)); then
            idx=$(((sum / 32 + 29) % n))
            [[ ${statelist[idx]} == failed ]] || statelist[idx]=incomplete
        fi
        if [[ $runmon != 1 ]]; then # no templates: diffimg fails everywhere
            for ((i = 0; i < n; i++)); do statelist[i]=failed steplist[i]=RUN22_combined+expose_filterObj; done
        fi
        if [[ $bad == 1 ]]; then
            for ((i = 0; i < n && i < 60; i += 2)); do statelist[i]=failed steplist[i]=RUN05_expose_makeWeight; done
        fi
        if [[ $incomplete == 1 ]]; then
            for ((i = 1, k = 0; i < n && k < 20; i += 3, k++)); do statelist[i]=incomplete; done
        fi
    fi

    local half rest x
    half=$(awk -v s="$seconds" 'BEGIN { printf "%.3f", s / 2 }')
    rest=$(awk -v s="$seconds" -v h="$half" 'BEGIN { r = s - h; printf "%.3f", (r > 0 ? r : 0) }')
    sb_nap "$half"
    [[ -d $state ]] || exit 0 # the site was removed meanwhile
    for x in $exps; do
        for ((i = 0; i < n / 2; i++)); do
            write_ccd "$pnfs" "$nite" "$x" "$season" "$band" "${ccdlist[i]}" "${statelist[i]}" "${steplist[i]}"
        done
    done
    sb_ledger grid_half "expnum:=$expnum" "jobid=$JOBID" "cluster:=$cluster" "written:=$((n / 2))"
    sb_nap "$rest"
    [[ -d $state ]] || exit 0
    local ncomplete=0 nfailed=0 nincomplete=0 nfp=0 complete=()
    for x in $exps; do
        for ((i = n / 2; i < n; i++)); do
            write_ccd "$pnfs" "$nite" "$x" "$season" "$band" "${ccdlist[i]}" "${statelist[i]}" "${steplist[i]}"
        done
    done
    for ((i = 0; i < n; i++)); do
        case ${statelist[i]} in
            complete) ncomplete=$((ncomplete + 1)) complete+=("${ccdlist[i]}") ;;
            failed) nfailed=$((nfailed + 1)) ;;
            *) nincomplete=$((nincomplete + 1)) ;;
        esac
    done
    # Forced photometry: a .fits and a .psf per complete CCD, unless a fault says otherwise.
    local nc=${#complete[@]} upto=${#complete[@]} c
    [[ $forcephoto == half ]] && upto=$((nc / 2))
    [[ $forcephoto == none ]] && upto=0
    for x in $exps; do
        for ((i = 0; i < upto; i++)); do
            c=${complete[i]}
            if [[ $forcephoto == partial ]] && ((i < 3)); then
                write_forcephoto "$pnfs" "$nite" "$x" "$season" "$band" "$c" fits
                nfp=$((nfp + 1))
            else
                write_forcephoto "$pnfs" "$nite" "$x" "$season" "$band" "$c" both
                nfp=$((nfp + 2))
            fi
        done
        if [[ $forcephoto == extra ]]; then
            write_forcephoto "$pnfs" "$nite" "$x" "$season" "$band" 31 both
            write_forcephoto "$pnfs" "$nite" "$x" "$season" "$band" 61 both
            nfp=$((nfp + 4))
        fi
    done
    local ncand=0
    [[ $writedb == 1 ]] && write_candidates "$season" "$nite" "$band" "$exps" ncand "${complete[@]}"
    local runend=false
    if [[ $runmon == 1 && $norunend != 1 ]]; then
        for x in $runend_exps; do
            mkdir -p -- "$pnfs/exp/$nite/$x/$season" &&
                printf 'RUNMON (sandbox): monitoring of %s %s done\nRETURN CODE: 0\n' "$x" "$season" \
                    >"$pnfs/exp/$nite/$x/$season/RUNEND_monDiffimg.LOG"
        done
        runend=true
    fi
    job_status "$JOBID" C
    sb_ledger grid_done "expnum:=$expnum" "jobid=$JOBID" "cluster:=$cluster" "complete:=$ncomplete" "failed:=$nfailed" \
        "incomplete:=$nincomplete" "forcephoto:=$nfp" "runend:=$runend" "candidates:=$ncand"
    rm -f -- "$griddir/$cluster.pid"
}

cmd_stop_all() {
    local f pid n=0
    shopt -s nullglob
    for f in "$griddir"/*.pid; do
        pid=$(<"$f")
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && grep -q grid-run.sh "/proc/$pid/cmdline" 2>/dev/null; then
            kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
            n=$((n + 1))
            sb_ledger grid_stopped "pid:=$pid" "cluster:=$(basename "$f" .pid)"
        fi
        rm -f -- "$f"
    done
    echo "$n grid run(s) stopped"
}

case ${1:-} in
    start)
        (($# == 3)) || exit 2
        cmd_start "$2" "$3"
        ;;
    run)
        (($# == 2)) || exit 2
        cmd_run "$2"
        ;;
    stop-all) cmd_stop_all ;;
    *)
        echo "usage: grid-run.sh start JOBID DAGPATH | run CLUSTER | stop-all" >&2
        exit 2
        ;;
esac
