/**
 * `appendToRunList`: a campaign's run grows as the telescope works. Its DAGMakers read the run's own
 * exposures.list snapshot (prepareRun made it; each working directory links to it) and band lists,
 * so a new exposure's line goes there, not into the site's file (which getExposureInfo.sh replaces
 * whole). Each row's line is appended once (an exposure number already there is left alone), every
 * file replaced whole by rename, under a lock, band lists first and exposures.list last: a crash
 * between them is mended by the next call. Only a run directory of this worker's runs directories.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exposureListLine, type ExposureRow } from '../common/exposure-admission.js';
import { bandList, RUN_FILES } from '../common/run-files.js';
import { runsDirFor, type WorkerConfig } from '../common/settings.js';
import type { AppendToRunListInput, AppendToRunListResult } from './campaign-types.js';
import { writeAtomically } from './support/atomic-file.js';
import { invalidInput } from './support/errors.js';
import { withFileLock } from './support/file-lock.js';
import { allowedGwWorkflowDirs, resolvedPath, type TrustSettings } from './support/trust-boundary.js';

const LOCK = '.exposures.list.lock';
const MAX_ROWS = 5000;

export async function appendToRunListWith(
  config: TrustSettings & Pick<WorkerConfig, 'runsDir'>,
  input: AppendToRunListInput,
): Promise<AppendToRunListResult> {
  const runDir = await checkRunDir(config, input.runDir);
  const rows = checkRows(input.rows);
  const listFile = join(runDir, RUN_FILES.exposuresList);
  return withFileLock(join(runDir, LOCK), async () => {
    const text = await readFile(listFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT')
        throw invalidInput([
          `run directory ${input.runDir} has no ${RUN_FILES.exposuresList}: prepareRun makes it first`,
        ]);
      throw err;
    });
    const there = expnumsOf(text, 1);
    const toAppend = rows.filter((r) => !there.has(r.expnum));
    const alreadyThere = rows.filter((r) => there.has(r.expnum)).map((r) => r.expnum);
    if (toAppend.length === 0) return { appended: [], alreadyThere };

    await appendToBandLists(runDir, toAppend);
    await writeAtomically(listFile, withLines(text, toAppend.map(exposureListLine)));
    return { appended: toAppend.map((r) => r.expnum), alreadyThere };
  });
}

/**
 * The band lists, when the run has them (prepareRun lists them in mirror.json, the links each
 * working directory is made of): each row's line in its band's list, once; a band new to the run
 * gets its list, and a place in mirror.json so the next working directories link it.
 */
async function appendToBandLists(runDir: string, rows: ExposureRow[]): Promise<void> {
  const mirrorFile = join(runDir, RUN_FILES.mirror);
  const mirror = JSON.parse(await readFile(mirrorFile, 'utf8').catch(() => '[]')) as [string, string][];
  const hasBandLists = mirror.some(([name]) => /^exposures_.+\.list$/.test(name));
  if (!hasBandLists) return;
  const bands = [...new Set(rows.map((r) => r.band))];
  let mirrorChanged = false;
  for (const band of bands) {
    const file = join(runDir, bandList(band));
    const text = await readFile(file, 'utf8').catch(() => '');
    const there = expnumsOf(text, 0);
    const lines = rows.filter((r) => r.band === band && !there.has(r.expnum)).map(exposureListLine);
    if (lines.length > 0) await writeAtomically(file, withLines(text, lines));
    if (!mirror.some(([name]) => name === bandList(band))) {
      mirror.push([bandList(band), file]);
      mirrorChanged = true;
    }
  }
  if (mirrorChanged) await writeAtomically(mirrorFile, JSON.stringify(mirror));
}

/** The exposure numbers of a list's lines after its first `skip` (the header). */
function expnumsOf(text: string, skip: number): Set<number> {
  const out = new Set<number>();
  for (const line of text.split(/\r?\n/).slice(skip)) {
    const first = line.trim().split(/\s+/)[0] ?? '';
    if (/^\d+$/.test(first)) out.add(Number(first));
  }
  return out;
}

/** `text` with `lines` after its last line (a missing final newline supplied). */
function withLines(text: string, lines: string[]): string {
  const base = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return `${base}${lines.join('\n')}\n`;
}

/** The run directory, resolved, if it is one of this worker's: directly in a runs directory of an allowed gw_workflow directory. */
async function checkRunDir(config: TrustSettings & Pick<WorkerConfig, 'runsDir'>, requested: unknown): Promise<string> {
  if (typeof requested !== 'string' || requested === '') throw invalidInput(['runDir must be a run directory']);
  const runDir = await resolvedPath(requested);
  const runsDirs = await Promise.all(
    (await allowedGwWorkflowDirs(config)).map((g) => resolvedPath(runsDirFor(config, g))),
  );
  if (!runsDirs.includes(dirname(runDir)) || basename(runDir).startsWith('.'))
    throw invalidInput([
      `runDir ${requested} is not a run directory of this worker (one directly under ${[...new Set(runsDirs)].join(', ')}; DESGW_RUNS_DIR in the worker's settings)`,
    ]);
  return runDir;
}

function checkRows(rows: unknown): ExposureRow[] {
  if (!Array.isArray(rows) || rows.length > MAX_ROWS)
    throw invalidInput([`rows must be a list of at most ${MAX_ROWS} exposure rows`]);
  const problems: string[] = [];
  (rows as ExposureRow[]).forEach((r, i) => {
    if (!Number.isSafeInteger(r?.expnum) || r.expnum <= 0 || r.expnum > 99_999_999)
      problems.push(`rows[${i}].expnum is not an exposure number`);
    else {
      if (typeof r.nite !== 'string' || !/^\d{8}$/.test(r.nite))
        problems.push(`rows[${i}].nite is not a NITE (8 digits)`);
      if (typeof r.band !== 'string' || !/^[A-Za-z]{1,4}$/.test(r.band))
        problems.push(`rows[${i}].band is not a band (u g r i z Y VR)`);
      for (const k of ['mjd', 'exptime'] as const)
        if (typeof r[k] !== 'number') problems.push(`rows[${i}].${k} is not a number`);
      for (const k of ['propid', 'flavor', 'object'] as const)
        if (typeof r[k] !== 'string') problems.push(`rows[${i}].${k} is not text`);
    }
  });
  if (problems.length > 0) throw invalidInput(problems.slice(0, 10));
  const seen = new Set<number>();
  return (rows as ExposureRow[]).filter((r) => !seen.has(r.expnum) && seen.add(r.expnum));
}
