/**
 * One listing of `jobsub_q` for the user of the run's environment, judged: its jobs, or why it
 * cannot be believed (a non-zero exit, or the error lines of a schedd that did not answer, which
 * jobsub_q prints with exit 0 all the same), with its output for classifying the failure. Used to
 * find a submission whose outcome was never recorded, to see DAGs leave the queue, and by `desgw
 * doctor` to see the queue answer.
 */
import { execa } from 'execa';
import { jobsubQProblem, parseJobsubQ, type QueuedJob } from '../../common/jobsub-q.js';

export type QueueListing =
  { jobs: QueuedJob[] } | { problem: string; exitCode: number | undefined; timedOut: boolean; output: string };

/** How long a jobsub_q may take before it is killed. */
export const JOBSUB_Q_TIMEOUT_MS = 120_000;

export async function listQueue(
  env: Record<string, string>,
  cwd?: string,
  timeoutMs = JOBSUB_Q_TIMEOUT_MS,
): Promise<QueueListing> {
  const r = await execa('jobsub_q', ['-G', 'des', '--user', env.USER ?? ''], {
    env,
    extendEnv: false,
    ...(cwd ? { cwd } : {}),
    reject: false,
    all: true,
    timeout: timeoutMs,
  });
  const output = r.all ?? '';
  const problem = r.timedOut
    ? `jobsub_q did not answer within ${timeoutMs / 1000} s`
    : r.exitCode !== 0
      ? `jobsub_q exited ${r.exitCode ?? 'on a signal'}`
      : jobsubQProblem(output);
  return problem === null
    ? { jobs: parseJobsubQ(r.stdout) }
    : { problem, exitCode: r.exitCode, timedOut: r.timedOut, output };
}
