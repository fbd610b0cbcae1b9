/**
 * `checkGrid`: which of the exposures still on the grid have finished, cheaply. An exposure's DAG
 * has finished when its last node wrote `<root>/exp/<NITE>/<EXPNUM>/dp<SEASON>/RUNEND_monDiffimg.LOG`
 * (one stat per pending exposure: no scan of /pnfs), or when its job has left `jobsub_q`. jobsub_q is
 * asked only when the workflow says so (at most once a minute per run), only with the run's sourced
 * environment and for exposures whose job id is known; a listing jobsub_q says is incomplete (a
 * schedd that does not answer, exit 0 all the same) concludes nothing. A RUNEND older than the
 * exposure's submission (its run's record) is an earlier DAG's of the same exposure and season, left
 * in dCache until RUNMON runs again: it does not count (ten seconds' slack for the clocks).
 */
import { stat } from 'node:fs/promises';
import { errorForHistory } from '../common/failures.js';
import { runEndFile } from './support/pnfs-paths.js';
import { listQueue } from './support/jobsub-queue.js';
import { loadEnvironment } from './support/site-environment.js';
import type { CheckGridInput, CheckGridResult } from './post-processing-types.js';

export async function checkGrid(input: CheckGridInput): Promise<CheckGridResult> {
  // The markers at once, as the judging lists directories: on dCache each stat is a round trip.
  const marks = await Promise.all(
    input.exposures.map((e) =>
      stat(runEndFile(input.pnfsRoot, input.season, e)).then(
        (s) => s.mtimeMs,
        () => null,
      ),
    ),
  );
  const submitted = input.exposures.map((e) => (e.submittedAt ? Date.parse(e.submittedAt) : NaN));
  const stale = input.exposures.filter(
    (_, i) => marks[i] !== null && Number.isFinite(submitted[i]) && marks[i]! < submitted[i]! - CLOCK_SLACK_MS,
  );
  const there = marks.map((m, i) => m !== null && !stale.includes(input.exposures[i]!));
  const staleRunEnds = stale.length > 0 ? { staleRunEnds: stale.map((e) => e.expnum) } : {};
  const pnfsReads = input.exposures.length;
  const finished: CheckGridResult['finished'] = input.exposures
    .filter((_, i) => there[i])
    .map((e) => ({ expnum: e.expnum, how: 'runend' as const }));
  const pending = input.exposures.filter((_, i) => !there[i]);
  const withJob = pending.filter((e) => e.jobId !== undefined);
  if (!input.askQueue || withJob.length === 0 || input.envFile === undefined)
    return { finished, pnfsReads, jobsubQCalls: 0, ...staleRunEnds };

  const queue = await listQueue(await loadEnvironment(input.envFile));
  if ('problem' in queue)
    return { finished, pnfsReads, jobsubQCalls: 1, queueProblem: errorForHistory(queue.problem), ...staleRunEnds };
  const listed = new Set(queue.jobs.map((j) => j.jobId));
  for (const e of withJob) if (!listed.has(e.jobId!)) finished.push({ expnum: e.expnum, how: 'left-queue' });
  return { finished, pnfsReads, jobsubQCalls: 1, ...staleRunEnds };
}

/**
 * How much older than the submission a RUNEND may look and still be this DAG's: the clocks of dCache
 * and of this host may differ by seconds, while a DAG's RUNMON node runs minutes after its submission.
 */
const CLOCK_SLACK_MS = 10_000;
