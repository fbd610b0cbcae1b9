/**
 * Reading `jobsub_q` to find a DAG the grid already has: used when a submission's outcome was never
 * recorded (the worker died between the command returning and its result being saved).
 *
 * jobsub_lite rewrites every DAG to `dag.dag`, run by `dagman_wrapper.sh`: its row's COMMAND is
 * `dagman_wrapper.sh -p 0 -f -l . -Lockfi`, never the DAG's name, and the DAG's own jobs are rows
 * owned by ` |-stage_N` (test/fixtures/jobsub/). So a DAGMan row submitted since the intent may be
 * ours and cannot be told from another: then nothing is submitted blindly. jobsub_q also exits 0
 * when a schedd does not answer; its error lines say the listing is incomplete (and `desgw doctor`
 * names the schedd from them, and says how many DAGs a listing holds).
 */

export interface QueuedJob {
  jobId: string;
  owner: string;
  /** `MM/DD HH:MM` as jobsub_q prints it. */
  submitted: string;
  cmd: string;
}

/** Rows of the `JOBSUBJOBID OWNER SUBMITTED RUNTIME ST PRIO SIZE COMMAND` table; other lines are skipped. */
export function parseJobsubQ(text: string): QueuedJob[] {
  const out: QueuedJob[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+@\S+)\s+(\S+)\s+(\d\d\/\d\d \d\d:\d\d)\s+\S+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line.trim());
    if (m) out.push({ jobId: m[1]!, owner: m[2]!, submitted: m[3]!, cmd: m[4]!.trim() });
  }
  return out;
}

/** Lines of jobsub_q's output that say the listing is incomplete (condor_q's errors pass through). */
const INCOMPLETE =
  /Failed to fetch ads from|SECMAN:\d+|Collector has no record|Failed communication with collector|^Error: |^ERROR: /m;

/** The line that says jobsub_q's listing is incomplete, if one does (jobsub_q exits 0 all the same). */
export function jobsubQProblem(output: string): string | null {
  const m = INCOMPLETE.exec(output);
  return m ? (output.split('\n').find((l) => l.includes(m[0])) ?? m[0]).trim() : null;
}

/** A row of the DAG's own jobs (owner ` |-stage_N`), not a submission. */
const isNode = (j: QueuedJob) => j.owner.startsWith('|-');
/** A DAGMan row: jobsub_lite's wrapper, or condor_dagman itself. */
const isDagMan = (j: QueuedJob) => /^(\S*\/)?(dagman_wrapper\.sh|condor_dagman)\b/.test(j.cmd);

/**
 * The schedds jobsub_q's output says did not answer, by the names it gives them: condor_q's
 * `-- Failed to fetch ads from: <address> : NAME`, `Can't find address of schedd NAME`, `Failed to
 * connect to queue manager NAME`, or the `alias=NAME` of a `SECMAN:` line's address. Empty when no
 * line names one (the collector down, say).
 */
export function scheddsNotAnswering(output: string): string[] {
  const names = new Set<string>();
  for (const line of output.split('\n')) {
    const fetch = /Failed to fetch ads from:\s*(?:(<[^>]*>)\s*(?::\s*([\w.@-]+))?|([\w.@-]+))/.exec(line);
    const named = /(?:Can't find address of schedd|Failed to connect to queue manager)\s+([\w.@-]+)/.exec(line);
    const name = fetch
      ? (fetch[2] ?? aliasIn(fetch[1]) ?? fetch[3])
      : named
        ? named[1]
        : /SECMAN:\d+/.test(line)
          ? aliasIn(line)
          : undefined;
    if (name) names.add(name.replace(/[.,:;]+$/, ''));
  }
  return [...names];
}

function aliasIn(text: string | undefined): string | undefined {
  return text === undefined ? undefined : /[?&]alias=([\w.-]+)/.exec(text)?.[1];
}

/** How much a listing holds: its DAGs (DAGMan rows) and all its rows (a DAG's own jobs too). */
export function queueCounts(jobs: QueuedJob[]): { dags: number; jobs: number } {
  return { dags: jobs.filter((j) => !isNode(j) && isDagMan(j)).length, jobs: jobs.length };
}

/** The DAG file a job's CMD names, whatever the form (`x.dag`, `file://x.dag`, `condor_dagman … -Dag x.dag`). */
export function dagNamedBy(cmd: string): string | null {
  const m = /(?:^|[\s/=])([\w.+-]+\.dag)(?:\s|$)/.exec(cmd);
  if (m?.[1] === 'dag.dag') return null; // jobsub_lite's name for every DAG
  return m ? m[1]! : null;
}

/**
 * What the queue says of this exposure's DAG, submitted at or after `since` (less a slack for clock
 * and minute rounding): found, when a row names it; unknown, when a DAGMan row since then names no
 * DAG (jobsub_lite's never do), so it could be ours; else absent. Rows of a DAG's own jobs and plain
 * jobs are not submissions of ours. jobsub_q prints minutes in local time, as does the worker's clock.
 */
export type QueueVerdict =
  { kind: 'found'; job: QueuedJob } | { kind: 'absent' } | { kind: 'unknown'; jobs: QueuedJob[] };

export function lookForDag(jobs: QueuedJob[], expnum: number, since: Date, slackMinutes = 2): QueueVerdict {
  const dag = `desgw_pipeline_${expnum}.dag`;
  const earliest = since.getTime() - slackMinutes * 60_000;
  const recent = jobs.filter((j) => !isNode(j) && submittedAt(j.submitted, since) >= earliest);
  const ours = recent.filter((j) => dagNamedBy(j.cmd) === dag);
  if (ours.length > 0) return { kind: 'found', job: ours[ours.length - 1]! };
  const unnamed = recent.filter((j) => isDagMan(j) && dagNamedBy(j.cmd) === null);
  return unnamed.length > 0 ? { kind: 'unknown', jobs: unnamed } : { kind: 'absent' };
}

/** `MM/DD HH:MM` as a time near `ref` (the year is not printed: take the one that lands closest). */
function submittedAt(text: string, ref: Date): number {
  const [, mo, d, h, mi] = /^(\d\d)\/(\d\d) (\d\d):(\d\d)$/.exec(text) ?? [];
  if (!mo) return Number.NEGATIVE_INFINITY;
  const candidates = [-1, 0, 1].map((dy) =>
    new Date(ref.getFullYear() + dy, Number(mo) - 1, Number(d), Number(h), Number(mi)).getTime(),
  );
  return candidates.reduce((best, t) => (Math.abs(t - ref.getTime()) < Math.abs(best - ref.getTime()) ? t : best));
}
