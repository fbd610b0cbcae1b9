/**
 * The run directory's marker, `run.json`: which run (workflow id and first execution) made the
 * directory. A run started afresh under the same workflow id finds a marker that is not its own,
 * and is refused rather than take the earlier run's submissions for its own.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically } from './atomic-file.js';
import { RUN_FILES } from '../../common/run-files.js';

export interface RunMarker {
  workflowId: string;
  /** The first execution of the run: kept across retries, continue-as-new and reset; new on a fresh start. */
  firstExecutionRunId: string;
  createdAt: string;
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
