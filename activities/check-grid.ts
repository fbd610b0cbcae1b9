/**
 * `checkGrid`: which of the exposures still on the grid have finished, cheaply. An exposure's DAG
 * has finished when its last node wrote `<root>/exp/<NITE>/<EXPNUM>/dp<SEASON>/RUNEND_monDiffimg.LOG`
 * (one stat per pending exposure: no scan of /pnfs), or when its job has left `jobsub_q`. jobsub_q is
 * asked only when the workflow says so (at most once a minute per run), only with the run's sourced
 * environment and for exposures whose job id is known; a listing jobsub_q says is incomplete (a
 * schedd that does not answer, exit 0 all the same) concludes nothing.
 */
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { jobsubQProblem, parseJobsubQ } from '../common/jobsub-q.js';
import { errorForHistory } from '../common/failures.js';
import { runEndFile } from './support/pnfs-paths.js';
import { loadEnvironment } from './support/site-environment.js';
import type { CheckGridInput, CheckGridResult } from './post-processing-types.js';

export async function checkGrid(input: CheckGridInput): Promise<CheckGridResult> {
  const finished: CheckGridResult['finished'] = [];
  let pnfsReads = 0;
  const pending = [];
  for (const e of input.exposures) {
    pnfsReads++;
    const there = await stat(runEndFile(input.pnfsRoot, input.season, e)).then(
      () => true,
      () => false,
    );
    if (there) finished.push({ expnum: e.expnum, how: 'runend' });
    else pending.push(e);
  }
  const withJob = pending.filter((e) => e.jobId !== undefined);
  if (!input.askQueue || withJob.length === 0 || input.envFile === undefined)
    return { finished, pnfsReads, jobsubQCalls: 0 };

  const env = await loadEnvironment(input.envFile);
  const r = await execa('jobsub_q', ['-G', 'des', '--user', env.USER ?? ''], {
    env,
    extendEnv: false,
    reject: false,
    all: true,
    timeout: 120_000,
  });
  const problem = r.exitCode !== 0 ? `jobsub_q exited ${r.exitCode ?? 'on a signal'}` : jobsubQProblem(r.all ?? '');
  if (problem !== null) return { finished, pnfsReads, jobsubQCalls: 1, queueProblem: errorForHistory(problem) };
  const listed = new Set(parseJobsubQ(r.stdout).map((j) => j.jobId));
  for (const e of withJob) if (!listed.has(e.jobId!)) finished.push({ expnum: e.expnum, how: 'left-queue' });
  return { finished, pnfsReads, jobsubQCalls: 1 };
}
