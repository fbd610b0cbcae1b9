/**
 * `validateRun`: checks everything a run needs before anything is written — the `.list`, each
 * exposure in exposures.list (refreshed once with getExposureInfo.sh when some are missing), the
 * season's form, every rc key and value, maxConcurrent, the gw_workflow directory and its scripts.
 */
import { createHash } from 'node:crypto';
import { access, constants, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Exposure } from '../common/contract.js';
import { DEFAULT_MAX_CONCURRENT, MAX_EXPOSURES_PER_RUN } from '../common/contract.js';
import { effectiveRcValue, RcValueError, validateRcSettings } from '../common/dagmaker-rc.js';
import { ExposureListError, parseExposureList } from '../common/exposure-list.js';
import { parseExposuresTable } from '../common/exposures-table.js';
import { reservedReason } from '../common/season-rules.js';
import { triggerProblems } from '../common/postproc-ini.js';
import { runsDirFor, type WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { RUN_FILES } from '../common/run-files.js';
import { refreshExposuresList } from './support/refresh-exposures.js';
import { checkGwWorkflowDir, checkListFile, checkUnderRoots } from './support/trust-boundary.js';
import { driftFrom, readRunMarker, type RunMarker } from './support/run-marker.js';
import type { ValidateRunInput, ValidatedRun } from './types.js';

/** Scripts the gw_workflow directory must hold. */
const REQUIRED = ['setup_img_proc.sh', 'dagmaker.rc'];

export async function validateRunWith(config: WorkerConfig, input: ValidateRunInput): Promise<ValidatedRun> {
  const problems: string[] = [];

  const maxConcurrent = input.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
    problems.push(`maxConcurrent must be an integer of at least 1, not ${JSON.stringify(input.maxConcurrent)}`);

  if (input.resume !== undefined && (typeof input.resume !== 'object' || input.resume === null))
    problems.push('resume must be an object such as {"retryFailed": true}');

  if (input.season !== 'auto') {
    if (typeof input.season !== 'number' || !Number.isInteger(input.season) || input.season < 1) {
      problems.push(`season must be "auto" or a positive integer, not ${JSON.stringify(input.season)}`);
    } else {
      const reason = reservedReason(input.season);
      if (reason) problems.push(reason);
    }
  }

  const pp = input.postProcessing;
  if (pp !== undefined) {
    // Checked now, not after hours of image processing; the checkout and the rest when post-processing starts.
    if (typeof pp !== 'object' || pp === null || Array.isArray(pp))
      problems.push(
        'postProcessing must be an object such as {"triggerId": "S240511i", "triggerMjd": 60441.37, "propid": "2024A-0001"}',
      );
    else problems.push(...triggerProblems(pp).map((p) => `postProcessing.${p}`));
  }

  let rc: Record<string, string> = {};
  try {
    if (input.rc !== undefined && (typeof input.rc !== 'object' || input.rc === null || Array.isArray(input.rc))) {
      throw new RcValueError(['rc must be an object of dagmaker.rc keys and values']);
    }
    rc = validateRcSettings(input.rc);
  } catch (err) {
    if (!(err instanceof RcValueError)) throw err;
    problems.push(...err.problems);
  }

  // The trust boundary first: nothing of a directory or file a run may not use is looked at further.
  const allowedDir = await checkGwWorkflowDir(config, input.gwWorkflowDir ?? config.gwWorkflowDir);
  if ('problem' in allowedDir) throw invalidInput([allowedDir.problem]);
  const gwWorkflowDir = allowedDir.dir;
  const dagmakerScript = config.dagmakerScript;
  const dirOk = await isDirectory(gwWorkflowDir);
  if (!dirOk) problems.push(`gw_workflow directory ${gwWorkflowDir} does not exist`);
  else {
    for (const name of [dagmakerScript, ...REQUIRED]) {
      const path = join(gwWorkflowDir, name);
      const mode = name.endsWith('.sh') && name !== 'setup_img_proc.sh' ? constants.X_OK : constants.R_OK;
      if (
        !(await access(path, mode).then(
          () => true,
          () => false,
        ))
      ) {
        problems.push(`${path} is missing${mode === constants.X_OK ? ' or not executable' : ''}`);
      }
    }
  }

  // Post-processing takes its candidates only from the DES database, which the grid fills only with WRITEDB=on.
  if (dirOk && pp !== undefined && typeof pp === 'object' && pp !== null && !Array.isArray(pp)) {
    const siteRc = join(gwWorkflowDir, RUN_FILES.dagmakerRc);
    const text = await readFile(siteRc, 'utf8').catch(() => null);
    if (text !== null) {
      const writeDb = effectiveRcValue(text, rc, 'WRITEDB');
      if (writeDb.value !== 'on') problems.push(writeDbProblem(writeDb, siteRc));
    }
  }

  let recorded: ValidatedRun['recorded'];
  let listFile = input.exposureListFile;
  let expnums: number[] = [];
  let duplicatesDropped: number[] = [];
  if (typeof listFile !== 'string' || listFile === '') {
    problems.push('exposureListFile is required');
  } else {
    const shownAs = listFile;
    const allowedList = await checkUnderRoots(config, 'exposure list', listFile);
    if ('problem' in allowedList) throw invalidInput([allowedList.problem]);
    listFile = allowedList.path;
    const unfit = await checkListFile(config, listFile, shownAs);
    if (unfit) problems.push(unfit);
    const text = unfit
      ? null
      : await readFile(listFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
          problems.push(`exposure list ${shownAs}: unreadable (${err.code ?? 'error'})`);
          return null;
        });
    if (text !== null) {
      try {
        const parsed = parseExposureList(text, listFile);
        expnums = parsed.expnums;
        duplicatesDropped = parsed.duplicates.map((d) => d.expnum);
        if (expnums.length > MAX_EXPOSURES_PER_RUN) {
          problems.push(
            `${listFile}: ${expnums.length} exposures, more than the ${MAX_EXPOSURES_PER_RUN} one run takes; split the list into several runs`,
          );
        }
      } catch (err) {
        if (!(err instanceof ExposureListError)) throw err;
        problems.push(...err.problems.map((p) => `${listFile}: ${p}`));
      }
    }
  }

  // A resume must ask for what the run recorded, and a fresh start must not take over a run's
  // directory: checked before anything is looked up or written.
  const runDir = join(runsDirFor(config, gwWorkflowDir), safeName(input.workflowId));
  if (problems.length === 0) {
    const marker = await readRunMarker(runDir);
    const refused = runDirProblem(runDir, marker, input, { expnums, rc });
    if (refused) throw invalidInput([refused]);
    if (input.resume && marker?.record) recorded = { season: marker.record.season, rcChanges: marker.record.rcChanges };
  }

  // Only look the exposures up once the rest is sound: a refresh writes exposures.list.
  let exposures: Exposure[] = [];
  let refreshedExposures = false;
  if (problems.length === 0) {
    const found = await lookUpExposures(gwWorkflowDir, expnums);
    let missing = expnums.filter((e) => !found.has(e));
    if (missing.length > 0 && (await isFile(join(gwWorkflowDir, 'getExposureInfo.sh')))) {
      await refreshExposuresList(gwWorkflowDir);
      refreshedExposures = true;
      const again = await lookUpExposures(gwWorkflowDir, expnums);
      for (const [k, v] of again) found.set(k, v);
      missing = expnums.filter((e) => !found.has(e));
    }
    if (missing.length > 0) {
      problems.push(
        `exposure${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not in ${join(gwWorkflowDir, RUN_FILES.exposuresList)}` +
          (refreshedExposures ? ' (even after refreshing it with getExposureInfo.sh)' : ''),
      );
    }
    exposures = expnums.filter((e) => found.has(e)).map((e) => found.get(e)!);
  }

  if (problems.length > 0) throw invalidInput(problems);

  const allowedOutput = await checkUnderRoots(
    config,
    'output directory',
    input.outputDir ?? join(dirname(gwWorkflowDir), 'image_proc_outputs'),
  );
  if ('problem' in allowedOutput) throw invalidInput([allowedOutput.problem]);
  const outputDir = allowedOutput.path;
  return {
    listFile,
    gwWorkflowDir,
    outputDir,
    runDir,
    exposures,
    duplicatesDropped,
    rc,
    maxConcurrent,
    dagmakerScript,
    refreshedExposures,
    timing: config.timing,
    ...(recorded ? { recorded } : {}),
  };
}

/**
 * A run started afresh (not resumed) under a workflow id that already ran would find that run's
 * directory, its submission records among it, and report its job ids as its own: refused, saying
 * how to resume it or start afresh. A retry or a reset of the same run (same first execution) goes on.
 * A resume whose list, rc or season is not the run's record is refused, naming the difference.
 */
function runDirProblem(
  runDir: string,
  marker: RunMarker | null,
  input: ValidateRunInput,
  asked: { expnums: number[]; rc: Record<string, string> },
): string | null {
  if (input.resume) {
    const drift = marker?.record ? driftFrom(marker.record, { ...asked, season: input.season }) : [];
    if (drift.length === 0) return null;
    return (
      `resume of run ${input.workflowId} refused, nothing was changed: ${drift.join('; ')} (its record: ${join(runDir, RUN_FILES.marker)}); ` +
      `resume it with its own list, rc and season (desgw resume ${input.workflowId}), or start a new run with another workflow id and season`
    );
  }
  if (marker === null || marker.firstExecutionRunId === input.firstExecutionRunId) return null;
  return (
    `run ${input.workflowId} already ran (its directory ${runDir} holds its work): ` +
    `to finish it, desgw resume ${input.workflowId}; to process the list again, start a new run with another workflow id and season`
  );
}

/**
 * Why a run asking for post-processing with WRITEDB off is refused: run_postproc.py's candidates
 * come only from the DES database (makeDataFiles reads SNCAND), which the grid jobs fill only when
 * DAGMaker ran with WRITEDB=on; with none it crashes in makeDataFiles, hours later.
 */
export function writeDbProblem(writeDb: ReturnType<typeof effectiveRcValue>, siteRc: string): string {
  const where =
    writeDb.from === 'run'
      ? "this run's rc"
      : writeDb.from === 'dagmaker.rc'
        ? siteRc
        : `DAGMaker's default: ${siteRc} does not set it`;
  return (
    `postProcessing needs WRITEDB=on, and this run's DAGMaker would see WRITEDB=${writeDb.value} (${where}): ` +
    'run_postproc.py takes its candidates only from the DES database (SNCAND), which the grid fills only with WRITEDB=on, ' +
    'so with none it would crash in makeDataFiles; set rc WRITEDB=on (desgw run --set WRITEDB=on) or leave out postProcessing'
  );
}

/** The band and NITE of each exposure that the site's exposures.list holds. */
export async function lookUpExposures(gwWorkflowDir: string, expnums: number[]): Promise<Map<number, Exposure>> {
  const text = await readFile(join(gwWorkflowDir, RUN_FILES.exposuresList), 'utf8').catch(() => '');
  const table = parseExposuresTable(text);
  const found = new Map<number, Exposure>();
  for (const e of expnums) {
    const row = table.rows.get(e);
    if (row) found.set(e, { expnum: e, band: row.band, nite: row.nite });
  }
  return found;
}

/** A plain directory name: what a workflow id may be to name its directory as it is. */
const PLAIN_NAME = /^[A-Za-z0-9._-]{1,255}$/;

/**
 * A workflow id as a directory name, one to one, so two runs never share a directory. An id that is
 * already a plain name (letters, digits, `.`, `_`, `-`, at most 255 of them, not `.` or `..`) is its
 * own name: the directories of runs from before stay where they are. Any other id is cleaned (each
 * other character `_`, cut to 120) and followed by `+` and 16 hex digits of its SHA-256: `a/b` is
 * `a_b+…` and `a_b` stays `a_b`. No plain name holds a `+`, so a changed id never meets a plain one.
 */
export function safeName(id: string): string {
  if (PLAIN_NAME.test(id) && id !== '.' && id !== '..') return id;
  const cleaned = id.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  return `${cleaned}+${createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 16)}`;
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}
async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
