/**
 * A grid directory's listing for the judging: its names, and, when the DAG's submission time is
 * known, each file's modification time (a stat each), so that files an earlier DAG of the same
 * exposure and season left in /pnfs are told apart (common/grid-files.ts). Dot files are not
 * looked at. Also counts the /pnfs reads it made.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GridEntry } from '../../common/grid-files.js';

export async function listGridDir(
  dir: string,
  submittedAtMs: number | undefined,
): Promise<{ entries: GridEntry[]; reads: number }> {
  const names = await readdir(dir).catch(() => [] as string[]);
  if (submittedAtMs === undefined || !Number.isFinite(submittedAtMs)) return { entries: names, reads: 1 };
  const dated = names.filter((n) => !n.startsWith('.'));
  const times = await Promise.all(
    dated.map((n) =>
      stat(join(dir, n)).then(
        (s) => s.mtimeMs,
        () => null,
      ),
    ),
  );
  return { entries: dated.map((name, i) => ({ name, mtimeMs: times[i]! })), reads: 1 + dated.length };
}
