/**
 * A grid directory's listing for the judging, through the worker's /pnfs reads (capped, off the
 * worker's threads, each with a timeout): its names, and, when the DAG's submission time is known,
 * each file's modification time (a stat each), so that files an earlier DAG of the same exposure
 * and season left in /pnfs are told apart (common/grid-files.ts). Dot files are not looked at.
 * Counts the reads it made and those that did not answer in time (a listing that timed out is empty).
 */
import { join } from 'node:path';
import type { GridEntry } from '../../common/grid-files.js';
import { TIMED_OUT, type PnfsReads } from './pnfs-reads.js';

export async function listGridDir(
  reads: PnfsReads,
  dir: string,
  submittedAtMs: number | undefined,
): Promise<{ entries: GridEntry[]; reads: number; timeouts: number }> {
  const names = await reads.list(dir);
  if (names === TIMED_OUT) return { entries: [], reads: 1, timeouts: 1 };
  if (submittedAtMs === undefined || !Number.isFinite(submittedAtMs)) return { entries: names, reads: 1, timeouts: 0 };
  const dated = names.filter((n) => !n.startsWith('.'));
  const times = await Promise.all(dated.map((n) => reads.mtime(join(dir, n))));
  // A stat that did not answer in time: the file counts (as a listing would have it), its time unknown.
  const timeouts = times.filter((t) => t === TIMED_OUT).length;
  return {
    entries: dated.map((name, i) => {
      const t = times[i];
      return { name, mtimeMs: t === TIMED_OUT || t === undefined ? null : t };
    }),
    reads: 1 + dated.length,
    timeouts,
  };
}
