/**
 * A worker's shutdown (a deploy, `systemctl restart`) is not a step's failure: activities stopped by
 * it fail with `WorkerShutdown` (non-retryable, their attempt in the details), and the workflow runs
 * them again with their retry budget less only the attempts that really failed. Used by the
 * exposure's DAGMaker and submission and by post-processing's run_postproc.py.
 */
import { ActivityFailure, type ActivityOptions, ApplicationFailure } from '@temporalio/workflow';
import { Failure } from '../common/failures.js';

/** The attempt an activity failure reports in its details (activities put `{ attempt }` there). */
export function attemptOf(err: unknown): number | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  return cause instanceof ApplicationFailure
    ? (cause.details?.[0] as { attempt?: number } | undefined)?.attempt
    : undefined;
}

/**
 * Runs an activity; when the worker's shutdown stopped it (a deploy, `systemctl restart`), runs it
 * again, with its retry budget less only the attempts that really failed before. (The attempts cut
 * short still count in the exposure's report: attempts.ts counts every execution `run` makes.)
 */
export async function notCountingShutdowns<T>(
  options: ActivityOptions,
  run: (o: ActivityOptions) => Promise<T>,
): Promise<T> {
  let o = options;
  for (;;) {
    try {
      return await run(o);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === Failure.WorkerShutdown)) throw err;
      const attempt = attemptOf(err) ?? 1;
      const max = o.retry?.maximumAttempts;
      o = { ...o, retry: { ...o.retry, maximumAttempts: max ? Math.max(1, max - (attempt - 1)) : max } };
    }
  }
}
