# shellcheck shell=bash
# Shared helpers of the DESGW sandbox site: configuration, ledger, fault files, killable sleeps.
#
# Source it from a sandbox script once DESGW_SANDBOX_ROOT is known:
#     source "$DESGW_SANDBOX_ROOT/lib/sandbox-lib.sh"
# or run it as a tiny CLI (used by setup_img_proc.sh, which is sourced into the caller's shell and
# must not leave these functions behind):
#     bash sandbox-lib.sh ledger EVENT [key=string | key:=json]...
#     bash sandbox-lib.sh fault-take NAME [key=string | key:=json]...  exit 0 if the fault fired
#     bash sandbox-lib.sh config VAR                                 print a config value
#
# Everything here needs DESGW_SANDBOX_ROOT; nothing reads the script's own location.

# --- configuration ---------------------------------------------------------------------------

# Load $ROOT/state/config.sh, on top of built-in defaults. Called on every invocation so a test
# may rewrite the file while a run is going on.
# shellcheck disable=SC2034  # the SANDBOX_* variables are read by the scripts that source this file
sb_load_config() {
    SANDBOX_SETUP_SECONDS=1
    SANDBOX_DAGMAKER_MIN_SECONDS=3
    SANDBOX_DAGMAKER_MAX_SECONDS=8
    SANDBOX_SUBMIT_SECONDS=0.5
    SANDBOX_EXPINFO_SECONDS=0.5
    SANDBOX_PROXY_HOURS=168
    SANDBOX_DB_PASSWORD=""
    SANDBOX_JOBSUB_VERSION=v1.12
    if [[ -f "$DESGW_SANDBOX_ROOT/state/config.sh" ]]; then
        # shellcheck source=/dev/null
        source "$DESGW_SANDBOX_ROOT/state/config.sh"
    fi
}

# --- JSON ledger -----------------------------------------------------------------------------

# sb_json_string OUTVAR VALUE: OUTVAR := VALUE as a quoted JSON string.
sb_json_string() {
    local -n _out=$1
    local s=$2 c i code
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\r'/\\r}
    s=${s//$'\t'/\\t}
    if [[ $s == *[[:cntrl:]]* ]]; then
        # Remaining control characters become \u00XX.
        for ((i = 1; i < 32; i++)); do
            printf -v c '%b' "\\x$(printf '%02x' "$i")"
            [[ $s == *"$c"* ]] || continue
            printf -v code '\\u%04x' "$i"
            s=${s//"$c"/$code}
        done
    fi
    _out="\"$s\""
}

# sb_now OUTVAR: the current time as seconds since the epoch (float, always with a '.').
sb_now() {
    local -n _t=$1
    _t=${EPOCHREALTIME/,/.}
}

# sb_ledger EVENT [key=value]... [key:=raw-json]...
# Appends one JSON object line to $ROOT/state/ledger.jsonl with a single write (O_APPEND), so
# concurrent writers never interleave. key=value is stored as a JSON string, key:=value verbatim
# (numbers, true/false/null); an empty key:= value is stored as null.
sb_ledger() {
    local event=$1 ts line arg key val js
    shift
    sb_now ts
    sb_json_string js "$event"
    line="{\"ts\":$ts,\"event\":$js"
    for arg in "$@"; do
        if [[ $arg == *:=* && ${arg%%:=*} != *=* ]]; then
            key=${arg%%:=*}
            val=${arg#*:=}
            [[ -n $val ]] || val=null
        else
            key=${arg%%=*}
            sb_json_string val "${arg#*=}"
        fi
        sb_json_string js "$key"
        line+=",$js:$val"
    done
    line+="}"
    printf '%s\n' "$line" >>"$DESGW_SANDBOX_ROOT/state/ledger.jsonl"
}

# --- faults ----------------------------------------------------------------------------------

# sb_fault_take NAME [extra ledger fields]...
# If $ROOT/state/faults/NAME exists, consume one firing and return 0; else return 1.
# The file holds the number of remaining firings (empty or unreadable = 1); it is decremented
# under a lock and removed when it reaches 0. A firing is logged as a ledger `fault` event.
sb_fault_take() {
    local name=$1 file fd content remaining
    shift
    file="$DESGW_SANDBOX_ROOT/state/faults/$name"
    [[ -e $file ]] || return 1
    exec {fd}>>"$DESGW_SANDBOX_ROOT/state/.faults.lock"
    flock "$fd"
    if [[ ! -e $file ]]; then # another process took the last firing
        exec {fd}>&-
        return 1
    fi
    content=$(<"$file")
    content=${content//[[:space:]]/}
    [[ $content =~ ^[0-9]+$ ]] || content=1
    remaining=$((10#$content - 1))
    if ((remaining <= 0)); then
        remaining=0
        rm -f -- "$file"
    else
        printf '%s\n' "$remaining" >"$file"
    fi
    exec {fd}>&-
    sb_ledger fault "fault=$name" "pid:=$$" "remaining:=$remaining" "$@"
    return 0
}

# sb_fault_take_value NAME OUTVAR [extra ledger fields]...
# For faults whose file holds a value rather than a count: if the file exists, read it into
# OUTVAR, remove the file (fires once), log a `fault` event and return 0; else return 1.
sb_fault_take_value() {
    local name=$1 file fd
    local -n _val=$2
    shift 2
    file="$DESGW_SANDBOX_ROOT/state/faults/$name"
    [[ -e $file ]] || return 1
    exec {fd}>>"$DESGW_SANDBOX_ROOT/state/.faults.lock"
    flock "$fd"
    if [[ ! -e $file ]]; then
        exec {fd}>&-
        return 1
    fi
    _val=$(<"$file")
    _val=${_val//[[:space:]]/}
    rm -f -- "$file"
    exec {fd}>&-
    sb_ledger fault "fault=$name" "pid:=$$" "remaining:=0" "value=$_val" "$@"
    return 0
}

# sb_fault_present NAME: the fault file exists (not consumed; e.g. proxy_expired).
sb_fault_present() {
    [[ -e "$DESGW_SANDBOX_ROOT/state/faults/$1" ]]
}

# --- the (fake) grid proxy ---------------------------------------------------------------------

# sb_proxy_timeleft OUTVAR: seconds the proxy is still valid; 0 while the fault file
# state/faults/proxy_expired exists (never consumed: remove it to "renew" the proxy).
sb_proxy_timeleft() {
    local -n _tl=$1
    if sb_fault_present proxy_expired; then
        _tl=0
    else
        _tl=$(awk -v h="$SANDBOX_PROXY_HOURS" 'BEGIN { s = int(h * 3600) - 60; print (s > 0 ? s : 0) }')
    fi
}

# sb_proxy_path OUTVAR: where the proxy would live.
sb_proxy_path() {
    local -n _pp=$1
    _pp=${X509_USER_PROXY:-/tmp/x509up_u$(id -u)}
}

# --- jobsub_lite's credentials ----------------------------------------------------------------

# sb_token_chatter GROUP ROLE: what htgettoken prints on standard output as jobsub_lite gets its
# bearer token, on every call (test/fixtures/jobsub/). With the switch state/faults/token_expired
# (not consumed) there is no Kerberos ticket: htgettoken fails, jobsub says so; returns 1.
sb_token_chatter() {
    local vault=https://htvaultprod.fnal.gov:8200 token
    token="/tmp/bt_token_$1_$2_$(id -u)"
    if sb_fault_present token_expired; then
        echo "Attempting to get token from $vault ... failed"
        echo "Attempting kerberos auth with $vault ... failed"
        {
            echo "htgettoken: Kerberos initialization failed: No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_$(id -u))"
            echo "htgettoken: Failure getting token from $vault"
            printf "\n\nError: PermissionError: Failed attempting 'htgettoken -a htvaultprod.fnal.gov -i %s -r %s'\n\n\n" "$1" "$2"
        } >&2
        return 1
    fi
    echo "Attempting to get token from $vault ... succeeded"
    echo "Storing bearer token in $token"
}

# sb_vault_503 GROUP ROLE: the token vault answers 503 (an outage): htgettoken fails, jobsub exits 1.
sb_vault_503() {
    local vault=https://htvaultprod.fnal.gov:8200
    {
        echo "htgettoken: Kerberos negotiate with $vault failed: HTTPError: Service Unavailable: 503 Server Error: Service Unavailable for url: $vault/v1/auth/kerberos-$1_default/login"
        printf "\n\nError: PermissionError: Failed attempting 'htgettoken -a htvaultprod.fnal.gov -i %s -r %s'\n\n\n" "$1" "$2"
    } >&2
    exit 1
}

# --- time ------------------------------------------------------------------------------------

# sb_nap SECONDS: sleep in a child and wait for it, so a trapped signal interrupts the wait at
# once (the trap can then kill SB_NAP_PID). Fractional seconds are fine.
SB_NAP_PID=""
sb_nap() {
    sleep "$1" &
    SB_NAP_PID=$!
    wait "$SB_NAP_PID"
    SB_NAP_PID=""
}

# sb_dagmaker_duration EXPNUM OUTVAR: seconds a DAGMaker for EXPNUM takes. A line
# "EXPNUM SECONDS" in $ROOT/state/durations wins; otherwise a value in [MIN, MAX] derived from
# the cksum of the exposure number (deterministic per exposure).
sb_dagmaker_duration() {
    local expnum=$1 sum
    local -n _d=$2
    local file="$DESGW_SANDBOX_ROOT/state/durations"
    _d=""
    if [[ -f $file ]]; then
        _d=$(awk -v e="$expnum" '$1 == e && $2 ~ /^[0-9]*\.?[0-9]+$/ { v = $2 } END { print v }' "$file")
    fi
    if [[ -z $_d ]]; then
        sum=$(printf '%s' "$expnum" | cksum)
        sum=${sum%% *}
        _d=$(awk -v lo="$SANDBOX_DAGMAKER_MIN_SECONDS" -v hi="$SANDBOX_DAGMAKER_MAX_SECONDS" -v h="$sum" \
            'BEGIN { if (hi < lo) hi = lo; printf "%.3f", lo + (hi - lo) * ((h % 1000) / 999) }')
    fi
}

# --- CLI -------------------------------------------------------------------------------------

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -u
    if [[ -z ${DESGW_SANDBOX_ROOT:-} ]]; then
        echo "sandbox-lib.sh: DESGW_SANDBOX_ROOT is not set" >&2
        exit 2
    fi
    cmd=${1:-}
    shift || true
    case $cmd in
        ledger) sb_ledger "$@" ;;
        fault-take) sb_fault_take "$@" ;;
        config)
            sb_load_config
            declare -n _cfg="$1"
            printf '%s\n' "$_cfg"
            ;;
        *)
            echo "usage: sandbox-lib.sh ledger|fault-take|config ..." >&2
            exit 2
            ;;
    esac
fi
