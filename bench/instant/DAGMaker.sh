#!/bin/bash
# An instant DAGMaker stand-in for benchmarks: the contract of a successful DAGMaker (a non-empty
# desgw_pipeline_EXPNUM.dag, mytemp_EXPNUM/DAGMaker.DONE, the two closing lines) and the sandbox
# ledger's start and end lines, with no work between them: what remains is orchestration.
set -u
e=$1
ledger=$DESGW_SANDBOX_ROOT/state/ledger.jsonl
printf '{"ts":%s,"event":"dagmaker_start","expnum":%s,"pid":%s,"season":"bench","cwd":"%s"}\n' "$EPOCHREALTIME" "$e" "$$" "$PWD" >>"$ledger"
rm -rf "mytemp_$e" && mkdir "mytemp_$e"
cmd="jobsub_submit_dag -G des --role=desgw file://desgw_pipeline_$e.dag"
printf '<parallel>\njobsub -n --group=des file://dummyjob.sh\n</parallel>\n' >"desgw_pipeline_$e.dag"
printf '%s\n' "$cmd" >"mytemp_$e/DAGMaker.DONE"
printf '{"ts":%s,"event":"dagmaker_end","expnum":%s,"pid":%s,"exit":0,"season":"bench"}\n' "$EPOCHREALTIME" "$e" "$$" >>"$ledger"
printf 'To submit this DAG do\n%s\n' "$cmd"
