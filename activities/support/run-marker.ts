/**
 * The run directory's marker, `run.json`: which run (workflow id and first execution) made the
 * directory. A run started afresh under the same workflow id finds a marker that is not its own,
 * and is refused rather than take the earlier run's submissions for its own.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from './atomic-file.js';
import { RUN_FILES } from '../../common/run-files.js';
import type { RcChange } from '../../common/contract.js';

export interface RunMarker {
  workflowId: string;
  /** The first execution of the run: kept across retries, continue-as-new and reset; new on a fresh start. */
  firstExecutionRunId: string;
  createdAt: string;
  /** What the run was started with (absent in run directories made before it was recorded). */
  record?: RunRecord;
}

/**
 * The run's record: its list, rc and season as prepared. A resume must ask for the same (else it
 * would run other exposures in the season, rewrite the run's dagmaker.rc and replace its hand-off
 * without what was submitted), and a resume with nothing left to do answers from it.
 */
export interface RunRecord {
  listFile: string;
  expnums: number[];
  rc: Record<string, string>;
  requestedSeason: 'auto' | number;
  season: number;
  rcChanges: RcChange[];
}

const MARKER = RUN_FILES.marker;

/** The marker of a run directory; one made before markers existed counts as another run's. Null when there is no run there. */
export async function readRunMarker(runDir: string): Promise<RunMarker | null> {
  const text = await readFile(join(runDir, MARKER), 'utf8').catch(() => null);
  if (text !== null) return JSON.parse(text) as RunMarker;
  const made = await stat(join(runDir, RUN_FILES.mirror)).then(
    () => true,
    () => false,
  );
  return made ? { workflowId: '', firstExecutionRunId: '', createdAt: '' } : null;
}

/** Marks the run directory as this run's, unless it already is (a retry, a resume). */
export async function markRunDir(runDir: string, workflowId: string, firstExecutionRunId: string): Promise<void> {
  if ((await readFile(join(runDir, MARKER), 'utf8').catch(() => null)) !== null) return;
  await writeAtomically(
    join(runDir, MARKER),
    JSON.stringify({ workflowId, firstExecutionRunId, createdAt: new Date().toISOString() } satisfies RunMarker) + '\n',
  );
}

/** Adds the run's record to its marker, once (a retry or a resume leaves the first record). */
export async function recordRun(runDir: string, record: RunRecord): Promise<void> {
  const text = await readFile(join(runDir, MARKER), 'utf8');
  const marker = JSON.parse(text) as RunMarker;
  if (marker.record) return;
  await writeAtomically(join(runDir, MARKER), JSON.stringify({ ...marker, record }, null, 2) + '\n');
}

/** How a resume's list, rc and season differ from the run's record; empty when they do not. */
export function driftFrom(
  record: RunRecord,
  asked: { expnums: number[]; rc: Record<string, string>; season: 'auto' | number },
): string[] {
  const problems: string[] = [];
  const had = new Set(record.expnums);
  const has = new Set(asked.expnums);
  const added = asked.expnums.filter((e) => !had.has(e));
  const dropped = record.expnums.filter((e) => !has.has(e));
  const few = (l: number[]) => `${l.slice(0, 5).join(', ')}${l.length > 5 ? `, … (${l.length})` : ''}`;
  if (added.length) problems.push(`the list has exposures the run did not (${few(added)})`);
  if (dropped.length) problems.push(`the list lacks exposures of the run (${few(dropped)})`);
  for (const key of new Set([...Object.keys(record.rc), ...Object.keys(asked.rc)])) {
    const was = record.rc[key];
    const now = asked.rc[key];
    if (was !== now)
      problems.push(
        `rc ${key} is ${now === undefined ? 'not set' : `'${now}'`}, the run had ${was === undefined ? 'none' : `'${was}'`}`,
      );
  }
  if (asked.season !== 'auto' && asked.season !== record.season && asked.season !== record.requestedSeason)
    problems.push(`season ${asked.season} is not the run's season ${record.season}`);
  return problems;
}
