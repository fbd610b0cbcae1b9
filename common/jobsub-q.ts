/**
 * Reading `jobsub_q` to find a DAG the grid already has: used when a submission's outcome was never
 * recorded (the worker died between the command returning and its result being saved).
 */

export interface QueuedJob {
  jobId: string;
  owner: string;
  /** `MM/DD HH:MM` as jobsub_q prints it. */
  submitted: string;
  cmd: string;
}

/** Rows of the `JOBSUBJOBID OWNER SUBMITTED RUN_TIME ST PRI SIZE CMD` table. */
export function parseJobsubQ(text: string): QueuedJob[] {
  const out: QueuedJob[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+@\S+)\s+(\S+)\s+(\d\d\/\d\d \d\d:\d\d)\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line.trim());
    if (m) out.push({ jobId: m[1]!, owner: m[2]!, submitted: m[3]!, cmd: m[4]!.trim() });
  }
  return out;
}

/**
 * The job of this exposure's DAG submitted at or after `since` (less a slack for clock and minute
 * rounding), if the queue has one. jobsub_q prints minutes in local time, as does the worker's clock.
 */
export function findSubmittedDag(jobs: QueuedJob[], expnum: number, since: Date, slackMinutes = 2): QueuedJob | null {
  const dag = `desgw_pipeline_${expnum}.dag`;
  const earliest = since.getTime() - slackMinutes * 60_000;
  const matches = jobs.filter((j) => j.cmd.split(/[\s/]+/).includes(dag) && submittedAt(j.submitted, since) >= earliest);
  return matches[matches.length - 1] ?? null;
}

/** `MM/DD HH:MM` as a time near `ref` (the year is not printed: take the one that lands closest). */
function submittedAt(text: string, ref: Date): number {
  const [, mo, d, h, mi] = /^(\d\d)\/(\d\d) (\d\d):(\d\d)$/.exec(text) ?? [];
  if (!mo) return Number.NEGATIVE_INFINITY;
  const candidates = [-1, 0, 1].map((dy) => new Date(ref.getFullYear() + dy, Number(mo) - 1, Number(d), Number(h), Number(mi)).getTime());
  return candidates.reduce((best, t) => (Math.abs(t - ref.getTime()) < Math.abs(best - ref.getTime()) ? t : best));
}
