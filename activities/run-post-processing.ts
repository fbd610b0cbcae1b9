/**
 * `writePostprocInputs` and `runPostproc`: the inputs run_postproc.py reads, then run_postproc.py
 * itself, in the Post-Processing checkout, in the environment it needs, knowing how it ended.
 *
 * The inputs are written in the run's output directory first (its record): the complete exposures
 * list (one EXPNUM a line) and postproc_<SEASON>.ini from the checkout's template, through the
 * configparser-compatible writer. run_postproc.py then runs in one bash, under `flock -n` on the
 * host's lock and then the checkout's (support/postproc-lock.ts: forced photometry allows one pass
 * per machine; a checkout's status files and diffimg_setup.sh's "last ini" rule one per checkout; a
 * pass that finds a lock held says who holds it, and the workflow waits its turn). Whether they are
 * free is looked at first, before the output directory is touched. In that bash, a
 * constant script (the run's values are its arguments, never its text): copy the list and the ini
 * into the checkout, set aside other seasons' postproc_*.ini (diffimg_setup.sh takes SEASON from the
 * last one; they are put back on exit), `source diffimg_setup.sh` without nounset (it expands
 * variables it never set, as eups does), check it set our SEASON and that the python on PATH
 * imports what run_postproc.py needs (support/postproc-environment.ts), `./update_forcephoto_links.sh`,
 * `python run_postproc.py --season S --outputdir DIR [--SKIPTO N]`. With the worker's
 * DESGW_POSTPROC_WRAPPER, that bash runs through the wrapper (e.g. in an SL7 container).
 * Its output is appended to postproc_run.out in the output directory by the bash itself, once it
 * holds the locks (a pass that finds one held never opens it), after a header line naming the pass:
 * earlier attempts' output stays above it (a fresh pass's earlier output moves aside with the rest
 * of that pass, below); heartbeats carry its tail. The status file run_postproc.py rewrites in the
 * checkout, PostProcStatus<SEASON>.txt, is removed when the bash starts and copied into the output
 * directory when it ends, both under the locks, and that copy is what is read: the next pass of
 * the season in the checkout cannot remove or rewrite it first. It ends
 * as common/postproc-status.ts judges: success, no candidates (its own outcome), or failed; and,
 * because run_postproc.py ignores how forced photometry ended, its output is searched for what
 * forcePhoto_master.pl says when it dies (common/postproc-markers.ts): a failure then, naming the
 * line, or a retry when another force job was running on the machine.
 * The --SKIPTO of a post-processing run again (a retry, a resume) is decided from its own output
 * directory (common/skip-to.ts) unless one was asked for; after a forced-photometry abort, step 2;
 * above 0 only when the list it is given is the earlier pass's step0_expnums.txt (run_postproc.py
 * reads that file instead), else from step 0 with the earlier pass's outputs moved aside into
 * `earlier-pass-<k>/`; before a pass that runs step 5, the earlier light-curve data files are moved
 * aside (makeDataFiles' wait counts them).
 */
import { scrubbedEnvironment } from './support/scrubbed-env.js';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { completeExposuresFileName, formatCompleteExposures } from '../common/complete-exposures.js';
import { Failure } from '../common/failures.js';
import {
  postprocIniFileName,
  postprocOutputNames,
  py2IniValue,
  readPostprocGeneral,
  writePostprocIni,
} from '../common/postproc-ini.js';
import { findSilentFailures, judgeSilentFailures } from '../common/postproc-markers.js';
import { noCandidatesCause } from '../common/postproc-page.js';
import { findEmptyDatabaseCrash, judgePostprocEnd } from '../common/postproc-status.js';
import { planPass, type PassPlan } from '../common/skip-to.js';
import type { WorkerConfig } from '../common/settings.js';
import { writeAtomically } from './support/atomic-file.js';
import {
  CHECKOUT_HOLDER,
  CHECKOUT_LOCK,
  checkoutPidFile,
  postprocShell,
  PYTHON_CHECK_FAILED,
  PYTHON_CHECK_SCRIPT,
  readPythonCheck,
} from './support/postproc-environment.js';
import { publishPage, surveyOutputs } from './support/postproc-outputs.js';
import { busyMessage, hostHolderFile, probeLocks, underLocks } from './support/postproc-lock.js';
import { runLogged } from './support/run-logged.js';
import type {
  PostprocInputs,
  RunPostprocInput,
  RunPostprocResult,
  WritePostprocInputsInput,
} from './post-processing-types.js';

export { CHECKOUT_HOLDER, CHECKOUT_LOCK };
/** The script's own exit codes, before run_postproc.py starts (and PYTHON_CHECK_FAILED, 84). */
const SETUP_FAILED = 81;
const WRONG_SEASON = 82;
const LINKS_FAILED = 83;
/** In the output directory: the last pass's forced photometry aborted, so the next runs it again. */
const RERUN_FORCEPHOTO = '.desgw-rerun-forcephoto';
/** In the output directory: what the command printed before its bash held the locks and took over postproc_run.out (one attempt's). */
const ATTEMPT_OUT = '.desgw-postproc-attempt.out';

/**
 * Arguments: SEASON OUTDIR SKIPTO HOLDER LISTFILE INIFILE ROOTDIR LOGFILE HOSTHOLDER. Constant:
 * nothing of the input is in its text. Nor is the name of the language forced photometry is
 * written in: forcePhoto_master.pl takes any process whose command line holds both that and
 * `force` for another forced-photometry job, and this script's text is its bash's command line.
 */
const SCRIPT = `set -u
season=$1 outdir=$2 skipto=$3 holder=$4 list=$5 ini=$6 rootdir=\${7:-} log=$8 hostholder=$9
desgw_status="PostProcStatus$season.txt" desgw_started=''
aside=.desgw-inis-set-aside
restore() { for f in "$aside"/postproc_*.ini; do [[ -f $f ]] && mv -n -- "$f" .; done; return 0; }
finish() {
    [[ -n $desgw_started && -f $desgw_status ]] && cp -f -- "$desgw_status" "$outdir/$desgw_status"
    rm -f -- "$hostholder" ${CHECKOUT_HOLDER}
    restore
}
trap finish EXIT
trap 'exit 143' TERM INT
printf '%s in %s\\n' "$holder" "$PWD" 2>/dev/null >"$hostholder"
printf '%s\\n' "$holder" >${CHECKOUT_HOLDER}
exec >>"$log" 2>&1 || exit ${SETUP_FAILED}
[[ -n $(tail -c 1 -- "$log") ]] && echo
echo "==== desgw: a pass of $holder started $(date -u +%Y-%m-%dT%H:%M:%SZ), --SKIPTO \${skipto:-none}; earlier attempts' output above ===="
restore
cp -f -- "$list" "$ini" . || exit ${SETUP_FAILED}
mkdir -p "$aside"
for f in postproc_*.ini; do
    [[ -f $f && $f != "postproc_$season.ini" ]] && mv -f -- "$f" "$aside"/
done
rm -f -- "$desgw_status" "$outdir/$desgw_status"
desgw_started=1
echo "desgw: source diffimg_setup.sh (without nounset: it expands variables nobody set, as eups does)"
set +u
# shellcheck disable=SC1091
source ./diffimg_setup.sh || exit ${SETUP_FAILED}
set -u
if [[ \${SEASON:-} != "$season" ]]; then
    echo "desgw: diffimg_setup.sh set SEASON=\${SEASON:-}, not $season"
    exit ${WRONG_SEASON}
fi
if [[ -n $rootdir && \${ROOTDIR:-} != "$rootdir" ]]; then
    echo "desgw: ROOTDIR=$rootdir (the run's grid root, [general] rootdir; diffimg_setup.sh set \${ROOTDIR:-nothing}), for the links"
    export ROOTDIR=$rootdir
fi
${PYTHON_CHECK_SCRIPT}echo "desgw: ./update_forcephoto_links.sh"
./update_forcephoto_links.sh || exit ${LINKS_FAILED}
args=(run_postproc.py --season "$season" --outputdir "$outdir")
[[ -n $skipto ]] && args+=(--SKIPTO "$skipto")
echo "desgw: python \${args[*]}"
python "\${args[@]}"
`;

export async function writePostprocInputs(input: WritePostprocInputsInput): Promise<PostprocInputs> {
  const { season, outputDir, postProcessingDir } = input;
  await mkdir(outputDir, { recursive: true, mode: 0o775 });
  const listName = completeExposuresFileName(season, new Date());
  const listFile = join(outputDir, listName);
  await writeAtomically(listFile, formatCompleteExposures(input.expnums));
  const iniName = postprocIniFileName(season);
  const iniFile = join(outputDir, iniName);
  const template = await readFile(join(postProcessingDir, 'postproc.ini'), 'utf8');
  const text = writePostprocIni(template, {
    season,
    // run_postproc.py joins it to [general] indir (./): the copy in the checkout.
    exposuresListfile: listName,
    bands: input.bands,
    ...input.trigger,
    outdir: outputDir,
    ...(input.rootdir ? { rootdir: input.rootdir } : {}),
  });
  await writeAtomically(iniFile, text);
  return { listFile, iniFile, listName, iniName };
}

export async function runPostprocWith(config: WorkerConfig, input: RunPostprocInput): Promise<RunPostprocResult> {
  const { season, postProcessingDir: checkout, outputDir } = input;
  // Another pass running (on this machine, or in this checkout): nothing of the output directory is touched.
  const locks = await probeLocks(config, checkout);
  if (locks && 'busy' in locks) throw busyFailure(locks.busy);
  if (locks)
    throw ApplicationFailure.create({ type: Failure.PostprocFailed, nonRetryable: true, message: locks.problem });
  const rerunMark = join(outputDir, RERUN_FORCEPHOTO);
  const rerunForcephoto = await readFile(rerunMark).then(
    () => true,
    () => false,
  );
  const plan = await planThisPass(input, rerunForcephoto);
  const movedAside = await moveAside(outputDir, input.inputs, plan);
  const skipTo = plan.skipTo;
  const logFile = join(outputDir, 'postproc_run.out');
  // diffimg_setup.sh sets ROOTDIR=/pnfs/des/persistent/gw, whatever the run's DESTCACHE and SCHEMA: the links follow the ini's.
  const iniText = await readFile(input.inputs.iniFile, 'utf8').catch(() => '');
  const rootdir = py2IniValue(readPostprocGeneralLeniently(iniText).rootdir ?? '');
  const [file, ...args] = underLocks(
    config,
    checkout,
    postprocShell(config, SCRIPT, [
      'desgw-postproc',
      String(season),
      outputDir,
      skipTo === null ? '' : String(skipTo),
      input.workflowId,
      input.inputs.listFile,
      input.inputs.iniFile,
      rootdir,
      logFile,
      hostHolderFile(config),
    ]),
  );
  const r = await runLogged({
    file: file!,
    args,
    cwd: checkout,
    env: { ...scrubbedEnvironment(), PYTHONUNBUFFERED: '1' },
    outFile: join(outputDir, ATTEMPT_OUT),
    appendsTo: logFile,
    pidFile: checkoutPidFile(checkout, input.workflowId),
    timeoutS: config.postprocTimeoutS,
    heartbeatEveryS: config.heartbeatEveryS,
    label: `run_postproc.py season ${season}`,
  });
  // Taken between the look and the start: its output directory moved aside at most, its log untouched.
  const busy = r.killed === null ? await busyMessage(config, checkout, r.exitCode) : null;
  if (busy) throw busyFailure(busy);
  if (r.killed === 'cancelled') throw new CancelledFailure('run_postproc.py was cancelled and killed');
  if (r.killed === 'shutdown')
    // Not its failure: the workflow runs it again (deciding --SKIPTO again) without counting this attempt.
    throw ApplicationFailure.create({
      type: Failure.WorkerShutdown,
      nonRetryable: true,
      message: "run_postproc.py was stopped by the worker's shutdown",
      details: [{ attempt: Context.current().info.attempt }],
    });
  // The copy the bash made under the locks (the checkout's may be the next pass's already).
  const statusText = await readFile(join(outputDir, `PostProcStatus${season}.txt`), 'utf8').catch(() => null);
  // Line N of this attempt's output is line priorLines + N of postproc_run.out.
  const priorLines = r.priorLines ?? 0;
  const before = r.killed ? null : scriptFailure(r.exitCode, season, r.output);
  const end = judgePostprocEnd({ exitCode: r.killed ? null : (r.exitCode ?? null), statusText, output: r.output });
  // run_postproc.py goes on when forced photometry dies: its output says so, its status does not.
  const silent =
    before === null
      ? judgeSilentFailures(findSilentFailures(r.output).map((f) => ({ ...f, line: f.line + priorLines })))
      : null;
  if (silent?.transient) await writeFile(rerunMark, `${input.workflowId}\n`);
  else if (rerunForcephoto) await rm(rerunMark, { force: true });
  const timedOut = r.killed === 'timeout' ? ` (killed after ${config.postprocTimeoutS} s)` : '';
  if (silent) {
    throw ApplicationFailure.create({
      type: Failure.PostprocFailed,
      nonRetryable: !silent.transient,
      message: `${silent.message}${end.outcome === 'failed' ? `; besides, ${end.reason}${timedOut}` : ''}; its output: ${logFile}`,
    });
  }
  const crashLine = end.outcome === 'failed' && before === null ? findEmptyDatabaseCrash(r.output) : null;
  const emptyDb = crashLine === null ? null : crashLine + priorLines;
  if (emptyDb !== null)
    // The same pass would crash the same way: candidates come only from the DB.
    throw ApplicationFailure.create({
      type: Failure.PostprocFailed,
      nonRetryable: true,
      message: `makeDataFiles found no candidate of season ${season} in the DES database (postproc_run.out line ${emptyDb}: IndexError in makedatafiles): SNCAND holds none for the season, as when its DAGs ran with WRITEDB=off (DAGMaker's default); candidates come only from there, so post-process a run made with WRITEDB=on; its output: ${logFile}`,
    });
  if (end.outcome === 'failed') {
    throw ApplicationFailure.create({
      type: Failure.PostprocFailed,
      nonRetryable: before !== null,
      message: `${before ?? end.reason}${timedOut}; its output: ${logFile}`,
    });
  }
  // The page the result names opens where it is; the outputs operators use, counted.
  const names = postprocOutputNames(await readFile(input.inputs.iniFile, 'utf8').catch(() => ''));
  const published = end.outcome === 'success' ? await publishPage(outputDir, checkout, season, names) : null;
  const outputs = published?.outputs ?? (await surveyOutputs(outputDir, season, names));
  return {
    outcome: end.outcome,
    reason: end.reason,
    ...(published ? { masterHtml: published.index } : {}),
    outputs,
    ...(end.outcome === 'no-candidates' ? { noCandidates: noCandidatesCause(r.output) } : {}),
    logFile,
    skipTo,
    skipReason: plan.reason,
    ...(movedAside.length > 0 ? { movedAside } : {}),
    durationMs: r.durationMs,
  };
}

/** A pass not started because another holds a lock: the workflow waits its turn (Failure.CheckoutBusy). */
function busyFailure(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: Failure.CheckoutBusy, nonRetryable: true, message });
}

/** The most of a list or step0_expnums.txt read (5,000 exposures are 40 kB). */
const LIST_MAX_BYTES = 1024 * 1024;

/** Integers one a line, or null when the file is absent, too large, or holds anything else. */
async function readExpnums(file: string): Promise<number[] | null> {
  const s = await stat(file).catch(() => null);
  if (!s?.isFile() || s.size > LIST_MAX_BYTES) return null;
  const lines = (await readFile(file, 'utf8')).split('\n').map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.every((l) => /^\d{1,12}$/.test(l)) ? lines.map(Number) : null;
}

/**
 * This pass's --SKIPTO and what it moves aside (common/skip-to.ts planPass), from its output
 * directory, the earlier pass's step0_expnums.txt, the list it is given, and the ini's own names.
 */
async function planThisPass(input: RunPostprocInput, rerunForcephoto: boolean): Promise<PassPlan> {
  const { outputDir, season } = input;
  const names = postprocOutputNames(await readFile(input.inputs.iniFile, 'utf8').catch(() => ''));
  return planPass(await listTree(outputDir), season, {
    truthPlusName: names.truthPlusName,
    masterFile1: names.masterFile1,
    realDataDir: names.realDataDir,
    rerunForcephoto,
    step0Expnums: await readExpnums(join(outputDir, 'checkoutputs', 'step0_expnums.txt')),
    listExpnums: (await readExpnums(input.inputs.listFile)) ?? [],
    requested: input.skipTo,
  });
}

/** Earlier passes' outputs are moved under this prefix in the output directory. */
export const EARLIER_PASS = 'earlier-pass-';

/**
 * Moves aside what the plan says, inside the output directory (nothing is deleted): for a fresh
 * pass every entry but this pass's inputs, markers and earlier passes, into `earlier-pass-<k>/`; else
 * the light-curve data directory, to `makedatafiles/<outDir_data>.earlier-pass-<k>`. The paths moved to.
 */
async function moveAside(outputDir: string, inputs: PostprocInputs, plan: PassPlan): Promise<string[]> {
  /** The next free k of `<prefix>earlier-pass-<k>` among a directory's entries. */
  const next = (entries: string[], prefix: string) =>
    1 +
    Math.max(
      0,
      ...entries.map((e) =>
        e.startsWith(prefix + EARLIER_PASS) ? Number(e.slice(prefix.length + EARLIER_PASS.length)) || 0 : 0,
      ),
    );
  const entries = await readdir(outputDir).catch(() => [] as string[]);
  if (plan.fresh) {
    const k = next(entries, '');
    const keep = new Set([
      basename(inputs.listFile),
      basename(inputs.iniFile),
      RERUN_FORCEPHOTO,
      ATTEMPT_OUT,
      '.postproc.pid',
    ]);
    const move = entries.filter((e) => !keep.has(e) && !e.startsWith(EARLIER_PASS));
    if (move.length === 0) return [];
    const to = join(outputDir, `${EARLIER_PASS}${k}`);
    await mkdir(to, { recursive: true, mode: 0o775 });
    for (const e of move) await rename(join(outputDir, e), join(to, e));
    return [to];
  }
  if (plan.moveDataDir !== null) {
    const from = join(outputDir, plan.moveDataDir);
    const k = next(await readdir(dirname(from)).catch(() => [] as string[]), `${basename(from)}.`);
    const to = `${from}.${EARLIER_PASS}${k}`;
    await rename(from, to);
    return [to];
  }
  return [];
}

/** What the script says when it stopped before run_postproc.py ran: one line, naming the module or SEASON. */
function scriptFailure(exitCode: number | undefined, season: number, output: string): string | null {
  if (exitCode === SETUP_FAILED) return 'copying the inputs or sourcing diffimg_setup.sh failed';
  if (exitCode === WRONG_SEASON)
    return `diffimg_setup.sh did not set SEASON to ${season} (it takes the last postproc_*.ini of the checkout)`;
  if (exitCode === PYTHON_CHECK_FAILED)
    return readPythonCheck(output).problem ?? 'the python on PATH after diffimg_setup.sh failed its import check';
  if (exitCode === LINKS_FAILED) return './update_forcephoto_links.sh failed';
  return null;
}

/** Every file under a directory, as `/`-separated paths relative to it (empty when it does not exist). */
async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/** The ini's `[general]` values, or none when it does not read cleanly (run_postproc.py will say so). */
function readPostprocGeneralLeniently(text: string): Partial<ReturnType<typeof readPostprocGeneral>> {
  try {
    return readPostprocGeneral(text);
  } catch {
    return {};
  }
}
