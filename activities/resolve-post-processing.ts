/**
 * `resolvePostProcessing`: checks a post-processing's input and resolves what it works on, before
 * it waits hours for the grid. The exposures come from a finished image-processing run (its result,
 * or its manifest for a long run), a legacy output.txt, or a season with exposures (NITEs looked up
 * in the site's exposures.list). Each takes what DAGMaker warned of it (known warnings only), so
 * that a failed verdict can point back to the warning: from the run's result, or from the
 * manifest.json image processing wrote in its run directory (beside the environment file a run
 * hands its post-processing child, or beside a run's own output.txt). The trigger facts are required: postproc_<SEASON>.ini is never
 * written with the template's GW170814 values. The checkout runs code, so it must be under the
 * parent of an allowed gw_workflow directory (not merely an allowed data root) and hold the scripts
 * and the template; the output directory must be under an allowed root. The template is checked now,
 * not after the wait, and so are the files the run opens hours in and the worker's
 * DESGW_POSTPROC_WRAPPER. A legacy output.txt is read as the legacy reader reads it, in any of the
 * forms it was written in (our NITEs on line 3, the legacy writer's Python-quoted items, a 2024
 * variant's PROPID on line 3): which form was found, and where the NITEs came from, is said in the
 * result's `warnings` when it is not ours.
 */
import { access, constants, lstat, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Exposure, ExposureResult, ImageProcessingResult } from '../common/contract.js';
import { Failure } from '../common/failures.js';
import { checkMinCompleteCcds, DEFAULT_MIN_COMPLETE_CCDS } from '../common/ccd-verdict.js';
import { knownWarnings, warningsInManifest } from '../common/dagmaker-warnings.js';
import { readOutputTxt, distinct } from '../common/output-file.js';
import { DEFAULT_GRID_DEADLINE_HOURS, type PostProcessingInput } from '../common/post-processing-contract.js';
import { DES_BANDS, missingPostprocKeys, triggerProblems } from '../common/postproc-ini.js';
import { readIni } from '../common/configparser.js';
import { effectiveRcValue } from '../common/dagmaker-rc.js';
import { checkSkipTo } from '../common/skip-to.js';
import { exposureFiles, RUN_FILES } from '../common/run-files.js';
import { gridRoot } from '../common/grid-root.js';
import { readSubmissionRecord } from './support/submission-record.js';
import { runsDirFor, type WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { allowedGwWorkflowDirs, checkListFile, checkUnderRoots, resolvedPath } from './support/trust-boundary.js';
import { lookUpExposures, safeName } from './validate-run.js';
import { missingLaterFiles, wrapperProblem } from './support/postproc-environment.js';
import { lockProblem } from './support/postproc-lock.js';
import type { PostExposure, ResolvedPostProcessing } from './post-processing-types.js';

/** What the checkout must hold: run in this order, in one bash, with the checkout as working directory. */
export const CHECKOUT_FILES = ['diffimg_setup.sh', 'update_forcephoto_links.sh', 'run_postproc.py', 'postproc.ini'];

export async function resolvePostProcessingWith(
  config: WorkerConfig,
  input: PostProcessingInput & { workflowId: string },
): Promise<ResolvedPostProcessing> {
  const problems: string[] = [];
  const named = ['imageProcessingWorkflowId', 'outputTxt', 'season'].filter(
    (k) => input[k as keyof PostProcessingInput] !== undefined,
  );
  if (named.length !== 1)
    problems.push(
      `name what to post-process with exactly one of imageProcessingWorkflowId, outputTxt, or season with exposures (got ${named.length === 0 ? 'none' : named.join(' and ')})`,
    );
  problems.push(...triggerProblems(input));
  const minCompleteCcds = input.minCompleteCcds ?? DEFAULT_MIN_COMPLETE_CCDS;
  try {
    checkMinCompleteCcds(minCompleteCcds);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const gridDeadlineHours = input.gridDeadlineHours ?? DEFAULT_GRID_DEADLINE_HOURS;
  if (typeof gridDeadlineHours !== 'number' || !(gridDeadlineHours > 0) || gridDeadlineHours > 24 * 14)
    problems.push('gridDeadlineHours must be a number of hours above 0 and at most 336');
  let skipTo: number | null = null;
  if (input.skipTo !== undefined) {
    try {
      skipTo = checkSkipTo(input.skipTo);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0) throw invalidInput(problems);

  const source = await exposuresOf(config, input);
  const { season } = source;
  const exposures = await withRunWarnings(config, manifestOf(input), season, source.exposures);
  const bands = distinct(exposures.map((e) => e.band));
  const trigger = { triggerId: input.triggerId, triggerMjd: input.triggerMjd, propid: input.propid };
  const badBand = bands.find((b) => !DES_BANDS.includes(b));
  if (badBand !== undefined) throw invalidInput([`band ${badBand} is not a DES band (${DES_BANDS.join(' ')})`]);

  const postProcessingDir = await checkout(config, input.postProcessingDir);
  const wrapper = (await wrapperProblem(config)) ?? (await lockProblem(config));
  if (wrapper)
    throw ApplicationFailure.create({ type: Failure.EnvironmentFailed, nonRetryable: true, message: wrapper });
  const wantedOutput =
    input.outputDir ?? join(dirname(postProcessingDir), 'postproc_outputs', safeName(input.workflowId));
  const output = await checkUnderRoots(config, 'output directory', wantedOutput);
  if ('problem' in output) throw invalidInput([output.problem]);

  const envFile = source.envFile ?? input.envFile;
  // The environment jobsub_q runs with: only a run's own, never a file of the starter's choosing.
  if (envFile !== undefined) {
    const problem = await runEnvironmentProblem(config, envFile);
    if (problem) throw invalidInput([problem]);
  }
  // The run's own dagmaker.rc, when the input names its run: WRITEDB off there means no candidates of its in the DB.
  const runDir = runDirOf(source, input);
  const runRc = runDir === null ? null : await runRcOf(config, runDir);
  const warnings = [...(source.warnings ?? [])];
  // Where its grid jobs wrote: /pnfs/des/${DESTCACHE}/${SCHEMA} from its dagmaker.rc (else the site's).
  const rcText =
    runRc?.text ?? (await readFile(join(config.gwWorkflowDir, RUN_FILES.dagmakerRc), 'utf8').catch(() => ''));
  const pnfsRoot = gridRoot(
    config,
    effectiveRcValue(rcText, {}, 'DESTCACHE').value,
    effectiveRcValue(rcText, {}, 'SCHEMA').value,
  );
  if (runRc) {
    const writeDb = effectiveRcValue(runRc.text, {}, 'WRITEDB');
    if (writeDb.value !== 'on')
      warnings.push(
        `WRITEDB=${writeDb.value} in ${runRc.path}${writeDb.from === 'default' ? " (DAGMaker's default: the key is absent)" : ''}: the grid wrote none of this run's candidates to the DES database, where run_postproc.py takes them from; unless another run of season ${season} wrote some, makeDataFiles will crash (IndexError)`,
      );
  }
  return {
    season,
    exposures: runDir === null ? exposures : await withSubmissionTimes(config, runDir, exposures),
    bands,
    trigger,
    postProcessingDir,
    outputDir: output.path,
    pnfsRoot,
    minCompleteCcds,
    gridDeadlineHours,
    skipTo,
    ...(envFile !== undefined ? { envFile } : {}),
    ...(source.outputTxt ? { outputTxt: source.outputTxt } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    pollS: config.gridPollS,
    jobsubQEveryS: Math.max(60, config.gridPollS),
    historyEventLimit: config.timing.historyEventLimit,
  };
}

/** The checkout, if allowed and whole; its template is read as configparser reads it. (Also `desgw doctor`'s check.) */
/**
 * The Post-Processing checkouts this worker may use, resolved: an explicit list, not anywhere under
 * the gw_workflow directory's parent, where the worker itself makes group-writable directories.
 */
export async function allowedCheckouts(config: WorkerConfig): Promise<string[]> {
  const listed =
    config.postprocDirs.length > 0 ? config.postprocDirs : [join(dirname(config.gwWorkflowDir), 'Post-Processing')];
  return Promise.all(listed.map(resolvedPath));
}

export async function checkout(config: WorkerConfig, requested: string | undefined): Promise<string> {
  const allowed = await allowedCheckouts(config);
  const dir = await resolvedPath(requested ?? allowed[0]!);
  if (!allowed.includes(dir))
    throw invalidInput([
      `Post-Processing checkout ${requested ?? dir} is not one this worker may use (${allowed.join(', ')}): its scripts run as this worker's user, so only a listed checkout may be used (DESGW_POSTPROC_DIRS)`,
    ]);
  const missing: string[] = [];
  for (const f of CHECKOUT_FILES) if (!(await readable(join(dir, f)))) missing.push(f);
  if (missing.length > 0)
    throw invalidInput([`Post-Processing checkout ${dir} lacks ${missing.join(', ')}: is it a checkout?`]);
  const later = await missingLaterFiles(dir);
  if (later.length > 0)
    throw invalidInput([
      `Post-Processing checkout ${dir} lacks ${later.join(', ')}, which run_postproc.py opens hours into its run`,
    ]);
  let template;
  try {
    template = readIni(await readFile(join(dir, 'postproc.ini'), 'utf8'));
  } catch (err) {
    throw invalidInput([`${join(dir, 'postproc.ini')}: ${(err as Error).message}`]);
  }
  const absent = missingPostprocKeys(template);
  if (absent.length > 0)
    throw invalidInput([
      `${join(dir, 'postproc.ini')} lacks ${absent.map(([s, k]) => `[${s}] ${k}`).join(', ')}, which run_postproc.py reads`,
    ]);
  return dir;
}

interface Source {
  season: number;
  exposures: PostExposure[];
  envFile?: string;
  outputTxt?: ResolvedPostProcessing['outputTxt'];
  warnings?: string[];
}

async function exposuresOf(config: WorkerConfig, input: PostProcessingInput): Promise<Source> {
  if (input.imageProcessingWorkflowId !== undefined) return fromRun(input.imageProcessingWorkflowId);
  if (input.outputTxt !== undefined) return fromOutputTxt(config, input.outputTxt, input.propid);
  return fromList(config, input.season, input.exposures);
}

/** A finished image-processing run: the exposures it submitted, with their job ids and its environment. */
async function fromRun(workflowId: string): Promise<Source> {
  const handle = Context.current().client.workflow.getHandle(workflowId);
  const described = await handle.describe().catch(() => null);
  if (described === null) throw invalidInput([`imageProcessingWorkflowId: no run ${workflowId}`]);
  if (described.type !== 'imageProcessing')
    throw invalidInput([`imageProcessingWorkflowId: ${workflowId} is a ${described.type}, not an imageProcessing run`]);
  const status = described.status.name;
  if (status === 'RUNNING')
    throw invalidInput([
      `imageProcessingWorkflowId: run ${workflowId} is still running: post-process it once it has finished (desgw watch ${workflowId})`,
    ]);
  if (status !== 'COMPLETED')
    // A run that failed, was cancelled or terminated has nothing to hand on until it is finished.
    throw invalidInput([
      `imageProcessingWorkflowId: run ${workflowId} ${status.toLowerCase().replace('_', ' ')}, so it handed nothing to post-process: finish it first (desgw resume ${workflowId}, or desgw status ${workflowId} for why)`,
    ]);
  const result = (await handle.result()) as ImageProcessingResult;
  let exposures: ExposureResult[] = result.exposures;
  if (exposures.length === 0 && result.counts.submitted > 0) {
    // A long run leaves its exposures to its manifest.
    exposures = (JSON.parse(await readFile(result.outputFiles.manifest, 'utf8')) as { exposures: ExposureResult[] })
      .exposures;
  }
  const submitted = exposures.filter((e) => e.status === 'submitted');
  if (submitted.length === 0) throw invalidInput([`run ${workflowId} submitted no exposure: nothing to post-process`]);
  return {
    season: result.season,
    exposures: submitted.map(({ expnum, band, nite, jobId, warnings }) => ({
      expnum,
      band,
      nite,
      ...(jobId ? { jobId } : {}),
      ...withWarnings(warnings),
    })),
    envFile: join(result.runDir, RUN_FILES.environment),
  };
}

/** A legacy output.txt: `[EXPNUM BAND, …]`, the season, and (ours) the NITEs, looked up per exposure. */
async function fromOutputTxt(config: WorkerConfig, path: string, propid: string): Promise<Source> {
  const allowed = await checkUnderRoots(config, 'outputTxt', path);
  if ('problem' in allowed) throw invalidInput([allowed.problem]);
  const bad = await checkListFile(config, allowed.path, path);
  if (bad) throw invalidInput([bad.replace('exposure list', 'outputTxt')]);
  const text = await readFile(allowed.path, 'utf8');
  const read = readOutputTxt(text);
  const problems: string[] = [];
  if (!Number.isSafeInteger(read.season) || read.season < 1) problems.push(`outputTxt ${path} line 2: not a season`);
  read.exposures.forEach((e, i) => {
    if (!Number.isSafeInteger(e.expnum) || e.expnum < 1 || e.band === '')
      problems.push(`outputTxt ${path} line 1, item ${i + 1}: not "EXPNUM BAND"`);
  });
  if (read.exposures.length === 0) problems.push(`outputTxt ${path} line 1: no exposure`);
  if (problems.length > 0) throw invalidInput(problems);
  // One NITE on line 3 is every exposure's; with several, or none there, each is looked up in exposures.list.
  const nite = read.nites.length === 1 ? read.nites[0] : undefined;
  const listed = join(config.gwWorkflowDir, RUN_FILES.exposuresList);
  const warnings: string[] = [];
  if (read.items === 'python-quoted')
    warnings.push(
      `outputTxt line 1 holds the legacy writer's Python-quoted items ('EXPNUM BAND'): read as EXPNUM BAND`,
    );
  if (read.line3 === 'propid')
    warnings.push(
      `outputTxt line 3 is a PROPID (${read.propid}), not a NITE: the NITEs were looked up in ${listed}; the ini's propid is the one given (${propid})${read.propid === propid ? '' : ', which differs'}`,
    );
  else if (read.line3 === 'empty')
    warnings.push(`outputTxt has no line 3 (the legacy writer's form): the NITEs were looked up in ${listed}`);
  else if (read.line3 === 'unrecognised')
    warnings.push(
      `outputTxt line 3 is neither NITEs (YYYYMMDD) nor a PROPID: ignored, the NITEs were looked up in ${listed}`,
    );
  else if (read.nites.length > 1)
    warnings.push(`outputTxt line 3 holds ${read.nites.length} NITEs: each exposure's was looked up in ${listed}`);
  const source = await fromList(
    config,
    read.season,
    read.exposures.map((e) => ({ ...e, ...(nite ? { nite } : {}) })),
  );
  return {
    ...source,
    outputTxt: {
      items: read.items,
      line3: read.line3,
      ...(read.propid ? { propid: read.propid } : {}),
      nites: read.line3 === 'nites' && nite ? 'line 3' : 'exposures.list',
    },
    warnings,
  };
}

/** A season and exposures; a NITE not given is looked up in the site's exposures.list. */
async function fromList(
  config: WorkerConfig,
  season: number | undefined,
  exposures: PostProcessingInput['exposures'],
): Promise<Source> {
  const problems: string[] = [];
  if (typeof season !== 'number' || !Number.isSafeInteger(season) || season < 1)
    problems.push('season must be a positive integer');
  if (!Array.isArray(exposures) || exposures.length === 0)
    problems.push('exposures must list at least one {expnum, band}');
  if (problems.length > 0) throw invalidInput(problems);
  // Read only when a NITE is missing (a run's child gives them all), through validateRun's look-up.
  const noNite = exposures!
    .filter((e) => e?.nite === undefined && Number.isSafeInteger(e?.expnum))
    .map((e) => e.expnum);
  const known = noNite.length > 0 ? await lookUpExposures(config.gwWorkflowDir, noNite) : new Map<number, Exposure>();
  const out: PostExposure[] = [];
  const seen = new Set<number>();
  for (const [i, e] of exposures!.entries()) {
    if (typeof e?.expnum !== 'number' || !Number.isSafeInteger(e.expnum) || e.expnum < 1) {
      problems.push(`exposures[${i}]: expnum must be a positive integer`);
      continue;
    }
    if (seen.has(e.expnum)) {
      problems.push(`exposure ${e.expnum} is listed twice`);
      continue;
    }
    seen.add(e.expnum);
    const nite = e.nite ?? known.get(e.expnum)?.nite;
    if (typeof e.band !== 'string' || e.band === '') problems.push(`exposure ${e.expnum}: band is required`);
    else if (nite === undefined || !/^\d{8}$/.test(nite))
      problems.push(
        `exposure ${e.expnum}: no NITE given, and none in ${join(config.gwWorkflowDir, RUN_FILES.exposuresList)}`,
      );
    else
      out.push({
        expnum: e.expnum,
        band: e.band,
        nite,
        ...(e.jobId ? { jobId: e.jobId } : {}),
        ...withWarnings(e.warnings),
      });
  }
  if (problems.length > 0) throw invalidInput(problems);
  return { season: season!, exposures: out };
}

/** The run directory the input names: from the run's result, or beside the environment file or output.txt it handed on. */
function runDirOf(source: Source, input: PostProcessingInput): string | null {
  const envFile = source.envFile ?? input.envFile;
  return envFile !== undefined ? dirname(envFile) : input.outputTxt !== undefined ? dirname(input.outputTxt) : null;
}

/** The dagmaker.rc of a run directory, under the allowed roots; null when there is none. */
export async function runRcOf(config: WorkerConfig, dir: string): Promise<{ path: string; text: string } | null> {
  const allowed = await checkUnderRoots(config, 'run dagmaker.rc', join(dir, RUN_FILES.dagmakerRc));
  if ('problem' in allowed) return null;
  const s = await stat(allowed.path).catch(() => null);
  if (!s?.isFile() || s.size > 1024 * 1024) return null;
  const text = await readFile(allowed.path, 'utf8').catch(() => null);
  return text === null ? null : { path: allowed.path, text };
}

/**
 * Each exposure with the time its DAG was submitted (the intent its run recorded just before
 * jobsub_submit_dag, in `exp_EXPNUM/submission_EXPNUM.json`), when the run directory holds it: a
 * RUNEND older than that is an earlier DAG's and does not count.
 */
export async function withSubmissionTimes(
  config: WorkerConfig,
  runDir: string,
  exposures: PostExposure[],
): Promise<PostExposure[]> {
  const allowed = await checkUnderRoots(config, 'run directory', runDir);
  if ('problem' in allowed) return exposures;
  return Promise.all(
    exposures.map(async (e) => {
      const record = await readSubmissionRecord(exposureFiles(e.expnum, allowed.path).submissionRecord).catch(
        () => null,
      );
      const at = record?.intentAt;
      return typeof at === 'string' && Number.isFinite(Date.parse(at)) ? { ...e, submittedAt: at } : e;
    }),
  );
}

/**
 * Where image processing recorded the exposures' warnings, when the input names its run directory:
 * the environment file a run hands its child lies there, and so does a run's own output.txt.
 */
function manifestOf(input: PostProcessingInput): string | undefined {
  if (input.outputTxt !== undefined) return join(dirname(input.outputTxt), RUN_FILES.manifest);
  if (input.season !== undefined && input.envFile !== undefined)
    return join(dirname(input.envFile), RUN_FILES.manifest);
  return undefined;
}

/**
 * The exposures, each with the warnings the run's manifest records of it (when it has none of its
 * own). A manifest that is missing, outside the allowed roots, unreadable or of another season
 * adds nothing: the warnings only explain a verdict, they never stop a post-processing.
 */
async function withRunWarnings(
  config: WorkerConfig,
  manifest: string | undefined,
  season: number,
  exposures: PostExposure[],
): Promise<PostExposure[]> {
  if (manifest === undefined || exposures.every((e) => e.warnings)) return exposures;
  const allowed = await checkUnderRoots(config, 'manifest', manifest);
  if ('problem' in allowed) return exposures;
  const recorded = warningsInManifest(await readManifest(allowed.path), season);
  return exposures.map((e) => {
    const warnings = e.warnings ?? recorded.get(e.expnum);
    return warnings ? { ...e, warnings } : e;
  });
}

/** The most a manifest is read (one of 5,000 exposures is a few MB). */
const MANIFEST_MAX_BYTES = 64 * 1024 * 1024;

/** A manifest's JSON, or null for anything else (no regular file, too large, not JSON). */
async function readManifest(path: string): Promise<unknown> {
  const s = await stat(path).catch(() => null);
  if (!s?.isFile() || s.size > MANIFEST_MAX_BYTES) return null;
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

/** DAGMaker's known warnings of an exposure, when it has some (any other text is dropped: verdicts show only fixed texts). */
function withWarnings(warnings: unknown): { warnings?: string[] } {
  const known = knownWarnings(warnings);
  return known.length > 0 ? { warnings: known } : {};
}

async function readable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Why `envFile` is not a run's own environment (none when it is): `environment.json` in a run
 * directory of an allowed gw_workflow directory's runs directory, a regular file owned by this
 * worker and readable by it alone, as sourceEnvironment writes it. Its PATH chooses the jobsub_q
 * that runs as the worker's user.
 */
export async function runEnvironmentProblem(config: WorkerConfig, envFile: string): Promise<string | null> {
  const file = await resolvedPath(envFile);
  const runsDirs = await Promise.all(
    (await allowedGwWorkflowDirs(config)).map((g) => resolvedPath(runsDirFor(config, g))),
  );
  const refused = `envFile ${envFile} is not a run's own environment`;
  if (basename(file) !== RUN_FILES.environment || !runsDirs.includes(dirname(dirname(file))))
    return `${refused} (${RUN_FILES.environment} in a run directory under ${runsDirs.join(', ')}); leave it out: a run's post-processing is handed its own`;
  const s = await lstat(file).catch(() => null);
  if (s === null || !s.isFile()) return `${refused}: it is not a regular file`;
  if (s.uid !== process.getuid?.() || (s.mode & 0o077) !== 0)
    return `${refused}: it must be owned by this worker's user and readable by it alone (mode 600)`;
  return null;
}
