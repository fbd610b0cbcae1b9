/**
 * `validateRun`: checks everything a run needs before anything is written — the `.list`, each
 * exposure in exposures.list (refreshed once with getExposureInfo.sh when some are missing), the
 * season's form, every rc key and value, maxConcurrent, the gw_workflow directory and its scripts.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Exposure } from '../common/contract.js';
import { MAX_EXPOSURES_PER_RUN } from '../common/contract.js';
import { ExposureListError, parseExposureList } from '../common/exposure-list.js';
import { parseExposuresTable } from '../common/exposures-table.js';
import { triggerProblems } from '../common/postproc-ini.js';
import { runsDirFor, type WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { RUN_FILES } from '../common/run-files.js';
import { refreshExposuresList } from './support/refresh-exposures.js';
import { checkListFile, checkUnderRoots } from './support/trust-boundary.js';
import { checkOutputDir, checkSite, isFile } from './support/site-checks.js';
import { driftFrom, readRunMarker, type RunMarker } from './support/run-marker.js';
import type { ValidateRunInput, ValidatedRun } from './types.js';

export async function validateRunWith(config: WorkerConfig, input: ValidateRunInput): Promise<ValidatedRun> {
  const problems: string[] = [];

  if (input.resume !== undefined && (typeof input.resume !== 'object' || input.resume === null))
    problems.push('resume must be an object such as {"retryFailed": true}');

  const pp = input.postProcessing;
  if (pp !== undefined) {
    // Checked now, not after hours of image processing; the checkout and the rest when post-processing starts.
    if (typeof pp !== 'object' || pp === null || Array.isArray(pp))
      problems.push(
        'postProcessing must be an object such as {"triggerId": "S240511i", "triggerMjd": 60441.37, "propid": "2024A-0001"}',
      );
    else problems.push(...triggerProblems(pp).map((p) => `postProcessing.${p}`));
  }

  const site = await checkSite(config, {
    season: input.season,
    rc: input.rc,
    maxConcurrent: input.maxConcurrent,
    ...(input.gwWorkflowDir !== undefined ? { gwWorkflowDir: input.gwWorkflowDir } : {}),
    postProcessing: pp !== undefined && typeof pp === 'object' && pp !== null && !Array.isArray(pp),
  });
  problems.push(...site.problems);
  const { gwWorkflowDir, rc, maxConcurrent, dagmakerScript } = site;

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

  const outputDir = await checkOutputDir(config, gwWorkflowDir, input.outputDir);
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
