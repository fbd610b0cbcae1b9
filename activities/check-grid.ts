/**
 * `checkGrid`: which of the exposures still on the grid have finished, cheaply. An exposure's DAG
 * has finished when its last node wrote `<root>/exp/<NITE>/<EXPNUM>/dp<SEASON>/RUNEND_monDiffimg.LOG`
 * (one stat per pending exposure: no scan of /pnfs), or when its job has left `jobsub_q`. jobsub_q is
 * asked only when the workflow says so (at most once a minute per run), only with the run's sourced
 * environment and for exposures whose job id is known; a listing jobsub_q says is incomplete (a
 * schedd that does not answer, exit 0 all the same) concludes nothing.
 */
import { stat } from 'node:fs/promises';
import { errorForHistory } from '../common/failures.js';
import { runEndFile } from './support/pnfs-paths.js';
import { listQueue } from './support/jobsub-queue.js';
import { loadEnvironment } from './support/site-environment.js';
import type { CheckGridInput, CheckGridResult } from './post-processing-types.js';

export async function checkGrid(input: CheckGridInput): Promise<CheckGridResult> {
  // The markers at once, as the judging lists directories: on dCache each stat is a round trip.
  const there = await Promise.all(
    input.exposures.map((e) =>
      stat(runEndFile(input.pnfsRoot, input.season, e)).then(
        () => true,
        () => false,
      ),
    ),
  );
  const pnfsReads = input.exposures.length;
  const finished: CheckGridResult['finished'] = input.exposures
    .filter((_, i) => there[i])
    .map((e) => ({ expnum: e.expnum, how: 'runend' as const }));
  const pending = input.exposures.filter((_, i) => !there[i]);
  const withJob = pending.filter((e) => e.jobId !== undefined);
  if (!input.askQueue || withJob.length === 0 || input.envFile === undefined)
    return { finished, pnfsReads, jobsubQCalls: 0 };

  const queue = await listQueue(await loadEnvironment(input.envFile));
  if ('problem' in queue) return { finished, pnfsReads, jobsubQCalls: 1, queueProblem: errorForHistory(queue.problem) };
  const listed = new Set(queue.jobs.map((j) => j.jobId));
  for (const e of withJob) if (!listed.has(e.jobId!)) finished.push({ expnum: e.expnum, how: 'left-queue' });
  return { finished, pnfsReads, jobsubQCalls: 1 };
}
