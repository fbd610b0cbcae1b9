/**
 * `checkGrid`: which of the exposures still on the grid have finished, cheaply. An exposure's DAG
 * has finished when its last node wrote `<root>/exp/<NITE>/<EXPNUM>/dp<SEASON>/RUNEND_monDiffimg.LOG`
 * (one stat per pending exposure: no scan of /pnfs), or when its job has left `jobsub_q`. jobsub_q is
 * asked only when the workflow says so (at most once a minute per run), only with the run's sourced
 * environment and for exposures whose job id is known; a listing jobsub_q says is incomplete (a
 * schedd that does not answer, exit 0 all the same) concludes nothing. A RUNEND older than the
 * exposure's submission (its run's record) is an earlier DAG's of the same exposure and season, left
 * in dCache until RUNMON runs again: it does not count (ten seconds' slack for the clocks).
 * The stats go through the worker's /pnfs reads (capped, off its threads, each with a timeout: one
 * that does not answer leaves its exposure pending and is counted); it heartbeats as it goes, and a
 * retried attempt resumes after the stats its predecessor recorded.
 */
import { errorForHistory } from '../common/failures.js';
import { beats, paced } from './support/heartbeat.js';
import { inOrder } from './support/in-order.js';
import { runEndFile } from './support/pnfs-paths.js';
import { TIMED_OUT, type PnfsReads } from './support/pnfs-reads.js';
import { listQueue } from './support/jobsub-queue.js';
import { loadEnvironment } from './support/site-environment.js';
import type { CheckGridInput, CheckGridResult } from './post-processing-types.js';

interface Pending {
  expnum: number;
  nite: string;
  jobId?: string;
  /** ms since the epoch, NaN when not known. */
  submittedMs: number;
}

/** What an attempt's heartbeat records: how many stats it made, the RUNENDs found (expnum, mtime) and those that timed out. */
interface Progress {
  done: number;
  found: [number, number][];
  timeouts: number;
}

export async function checkGridWith(reads: PnfsReads, input: CheckGridInput): Promise<CheckGridResult> {
  const exposures = pendingOf(input);
  // An earlier attempt's stats, when it made some for these very exposures.
  const activity = beats();
  const earlier = activity.last<Progress>();
  const resumeAt = earlier && earlier.done <= exposures.length ? earlier.done : 0;
  const marks: (number | null)[] = exposures.map(() => null);
  const progress: Progress = { done: resumeAt, found: resumeAt > 0 ? [...earlier!.found] : [], timeouts: 0 };
  if (resumeAt > 0) {
    const found = new Map(progress.found);
    exposures.slice(0, resumeAt).forEach((e, i) => (marks[i] = found.get(e.expnum) ?? null));
    progress.timeouts = earlier!.timeouts;
  }
  const beat = paced(activity, HEARTBEAT_EVERY_MS, () => ({ ...progress, found: [...progress.found] }));
  // Several stats at once, as the judging lists directories: on dCache each is a round trip.
  await inOrder(
    resumeAt,
    exposures.length,
    reads.slots * 2,
    (i) => reads.mtime(runEndFile(input.pnfsRoot, input.season, exposures[i]!)),
    (i, m) => {
      if (m === TIMED_OUT) progress.timeouts++;
      else if (m !== null) {
        marks[i] = m;
        progress.found.push([exposures[i]!.expnum, m]);
      }
      progress.done = i + 1;
      beat.beat();
    },
  );
  beat.flush();
  const pnfsTimeouts = progress.timeouts > 0 ? { pnfsTimeouts: progress.timeouts } : {};
  const submitted = exposures.map((e) => e.submittedMs);
  const stale = exposures.filter(
    (_, i) => marks[i] !== null && Number.isFinite(submitted[i]) && marks[i]! < submitted[i]! - CLOCK_SLACK_MS,
  );
  const staleSet = new Set(stale);
  const there = marks.map((m, i) => m !== null && !staleSet.has(exposures[i]!));
  const staleRunEnds = stale.length > 0 ? { staleRunEnds: stale.map((e) => e.expnum) } : {};
  const pnfsReads = exposures.length;
  const finished: CheckGridResult['finished'] = exposures
    .filter((_, i) => there[i])
    .map((e) => ({ expnum: e.expnum, how: 'runend' as const }));
  const pending = exposures.filter((_, i) => !there[i]);
  const withJob = pending.filter((e) => e.jobId !== undefined);
  if (!input.askQueue || withJob.length === 0 || input.envFile === undefined)
    return { finished, pnfsReads, jobsubQCalls: 0, ...staleRunEnds, ...pnfsTimeouts };

  const queue = await listQueue(await loadEnvironment(input.envFile));
  if ('problem' in queue)
    return {
      finished,
      pnfsReads,
      jobsubQCalls: 1,
      queueProblem: errorForHistory(queue.problem),
      ...staleRunEnds,
      ...pnfsTimeouts,
    };
  const listed = new Set(queue.jobs.map((j) => j.jobId));
  for (const e of withJob) if (!listed.has(e.jobId!)) finished.push({ expnum: e.expnum, how: 'left-queue' });
  return { finished, pnfsReads, jobsubQCalls: 1, ...staleRunEnds, ...pnfsTimeouts };
}

/** The pending exposures, from the columns or from older input's objects. */
function pendingOf(input: CheckGridInput): Pending[] {
  const p = input.pending;
  if (!p)
    return (input.exposures ?? []).map((e) => ({
      expnum: e.expnum,
      nite: e.nite,
      ...(e.jobId ? { jobId: e.jobId } : {}),
      submittedMs: e.submittedAt ? Date.parse(e.submittedAt) : NaN,
    }));
  return p.expnums.map((expnum, i) => ({
    expnum,
    nite: p.nites[i]!,
    ...(p.jobIds[i] ? { jobId: p.jobIds[i]! } : {}),
    submittedMs: p.submittedMs[i] ?? NaN,
  }));
}

/**
 * How much older than the submission a RUNEND may look and still be this DAG's: the clocks of dCache
 * and of this host may differ by seconds, while a DAG's RUNMON node runs minutes after its submission.
 */
const CLOCK_SLACK_MS = 10_000;
/** Progress is recorded at most this often (a stat takes milliseconds; the heartbeat carries the RUNENDs found). */
const HEARTBEAT_EVERY_MS = 1000;
