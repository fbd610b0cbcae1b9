/**
 * The run directories as a durable record of seasons: what the season registry holds can be rebuilt
 * from them. Each run directory says its season in `season.json` (written by reserveSeason the moment
 * the registry records the claim, before the directory is prepared) or, for one prepared before
 * season.json existed, in its dagmaker.rc's `SEASON=`. The scan reads every runs directory the
 * worker may write into; entries it cannot read or make sense of are skipped, and nothing of a
 * file's content ever reaches an error or the history.
 */
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { rcValue } from '../../common/dagmaker-rc.js';
import { RUN_FILES } from '../../common/run-files.js';
import { runsDirFor, type WorkerConfig } from '../../common/settings.js';
import { writeAtomically } from './atomic-file.js';

/** A season found in a run directory. */
export interface RunSeason {
  season: number;
  /** The run's workflow id, when the directory says it (season.json, else run.json). */
  owner: string | null;
  dir: string;
  from: 'season.json' | 'dagmaker.rc';
}

/** What `season.json` holds. */
export interface SeasonRecord {
  season: number;
  owner: string;
  reservedAt: string;
}

/** Every runs directory the worker may write run directories into: one per allowed gw_workflow directory. */
export function runsDirsOf(
  config: Pick<WorkerConfig, 'runsDir' | 'gwWorkflowDir' | 'allowedGwWorkflowDirs'>,
): string[] {
  return [
    ...new Set([config.gwWorkflowDir, ...config.allowedGwWorkflowDirs].map((gw) => resolve(runsDirFor(config, gw)))),
  ];
}

/** Null when `runDir` is a run directory of one of `runsDirs` (directly inside it), else why not. */
export function runDirProblem(runDir: string, runsDirs: readonly string[]): string | null {
  const dir = resolve(runDir);
  const name = basename(dir);
  if (name !== '' && name !== '.' && name !== '..' && runsDirs.includes(dirname(dir))) return null;
  return `run directory ${runDir} is not inside a runs directory of this worker (${runsDirs.join(', ')})`;
}

/** The seasons of every run directory under `runsDirs`; unreadable entries are skipped. */
export async function runSeasons(runsDirs: readonly string[]): Promise<RunSeason[]> {
  const found = await Promise.all(
    runsDirs.map(async (runsDir) => {
      const entries = await readdir(runsDir, { withFileTypes: true }).catch(() => []);
      const dirs = entries.filter((e) => e.isDirectory()).map((e) => join(runsDir, e.name));
      return Promise.all(dirs.map(seasonOfRunDir));
    }),
  );
  return found.flat().filter((s): s is RunSeason => s !== null);
}

/** The season a run directory holds: from its season.json, else its dagmaker.rc; null when neither says. */
export async function seasonOfRunDir(dir: string): Promise<RunSeason | null> {
  const record = parseSeasonRecord(await readText(join(dir, RUN_FILES.season)));
  if (record) return { season: record.season, owner: record.owner, dir, from: 'season.json' };
  const rc = await readText(join(dir, RUN_FILES.dagmakerRc));
  const value = rc === null ? null : rcValue(rc, 'SEASON');
  if (value === null || !/^\d{1,9}$/.test(value) || Number(value) < 1) return null;
  return {
    season: Number(value),
    owner: ownerOfMarker(await readText(join(dir, RUN_FILES.marker))),
    dir,
    from: 'dagmaker.rc',
  };
}

/** Writes `season.json` in the run directory (made if need be), whole or not at all, flushed to disk. */
export async function writeSeasonRecord(runDir: string, record: SeasonRecord): Promise<void> {
  await mkdir(runDir, { recursive: true, mode: 0o775 });
  await writeAtomically(join(runDir, RUN_FILES.season), JSON.stringify(record) + '\n', 0o664, { durable: true });
}

/** A season.json's record, or null when the text is not one. */
export function parseSeasonRecord(text: string | null): SeasonRecord | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as Partial<SeasonRecord> | null;
    if (typeof v !== 'object' || v === null) return null;
    const { season, owner, reservedAt } = v;
    if (typeof season !== 'number' || !Number.isInteger(season) || season < 1) return null;
    if (typeof owner !== 'string' || owner === '') return null;
    return { season, owner, reservedAt: typeof reservedAt === 'string' ? reservedAt : '' };
  } catch {
    return null;
  }
}

function ownerOfMarker(text: string | null): string | null {
  if (text === null) return null;
  try {
    const v = JSON.parse(text) as { workflowId?: unknown } | null;
    return typeof v?.workflowId === 'string' && v.workflowId !== '' ? v.workflowId : null;
  } catch {
    return null;
  }
}

/** A small file's text, or null when it cannot be read (absent, a directory, no permission). */
async function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}
