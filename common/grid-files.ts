/**
 * Which files in an exposure's grid directories this DAG wrote. An exposure of the same season
 * processed before (an earlier DAG) leaves its `*.FAIL` markers, its `outputs_*.tar.gz` tarballs and
 * its forced-photometry files in /pnfs: dCache keeps them, and a new DAG's job replaces only what it
 * writes again (a job that dies before copying its tarball leaves the old one). So a file whose
 * modification time is older than this DAG's submission, less ten seconds' slack for the clocks of
 * dCache and of this host, is an earlier DAG's and is not counted; the RUNEND marker is told apart
 * the same way (activities/check-grid.ts). A file the caller gives without a time (it did not look:
 * the submission time is unknown, as for a post-processing of a legacy output.txt) counts. Pure.
 */

/** How much older than the submission a file may look and still be this DAG's (a DAG's jobs run minutes after it). */
export const CLOCK_SLACK_MS = 10_000;

/** A file of a grid directory and its modification time in ms (null when it could not be read). */
export interface GridFile {
  name: string;
  mtimeMs: number | null;
}

/** A name alone (no time looked at: it counts), or a name with its time. */
export type GridEntry = string | GridFile;

/** The files this DAG wrote (or that cannot be told apart) and those an earlier DAG left, by name. */
export function splitByDag(
  entries: readonly GridEntry[],
  submittedAtMs: number | undefined,
): { current: string[]; earlier: string[] } {
  const current: string[] = [];
  const earlier: string[] = [];
  for (const e of entries) {
    const { name, mtimeMs } = typeof e === 'string' ? { name: e, mtimeMs: null } : e;
    if (isEarlierDag(mtimeMs, submittedAtMs)) earlier.push(name);
    else current.push(name);
  }
  return { current, earlier };
}

/** True when a file's time says an earlier DAG wrote it: older than the submission less the slack. */
export function isEarlierDag(mtimeMs: number | null, submittedAtMs: number | undefined): boolean {
  return (
    mtimeMs !== null &&
    submittedAtMs !== undefined &&
    Number.isFinite(submittedAtMs) &&
    mtimeMs < submittedAtMs - CLOCK_SLACK_MS
  );
}
