/**
 * Every attempt of an exposure's step counted, for its report (the summary's TRIES column). A step
 * can take several activity executions, each counting its attempts from 1 again: one cut short by
 * a worker's shutdown and run again (shutdowns.ts), each re-check while the step waits for the
 * proxy, jobsub or the DES database (wait-out.ts), the quick retries before a wait. Reading only
 * the last execution's attempt number lost all the others. Counting changes no command.
 */
import { ActivityFailure, type ActivityOptions, TimeoutFailure } from '@temporalio/workflow';
import { attemptOf } from './shutdowns.js';

/**
 * How many attempts an activity execution run with `options` made before failing with `err`: the
 * attempt the activity put in its failure's details; else all its attempts when it ran out of
 * them (a timeout of the last one, an error of no known type), else one. None when no worker took
 * its task (it never started), or when `err` is not an activity's failure.
 */
export function attemptsOfFailure(err: unknown, options: ActivityOptions): number {
  if (!(err instanceof ActivityFailure)) return 0;
  if (err.cause instanceof TimeoutFailure && err.cause.timeoutType === 'SCHEDULE_TO_START') return 0;
  const reported = attemptOf(err);
  if (reported !== undefined && reported > 0) return reported;
  if (err.retryState === 'MAXIMUM_ATTEMPTS_REACHED') return Math.max(1, options.retry?.maximumAttempts ?? 1);
  return 1;
}

/**
 * Runs one activity execution with `options`, telling `add` how many attempts it made, whether it
 * succeeded (its result's `attempt`) or failed (attemptsOfFailure).
 */
export async function countingAttempts<T extends { attempt: number }>(
  options: ActivityOptions,
  run: (o: ActivityOptions) => Promise<T>,
  add: (attempts: number) => void,
): Promise<T> {
  try {
    const r = await run(options);
    add(r.attempt);
    return r;
  } catch (err) {
    add(attemptsOfFailure(err, options));
    throw err;
  }
}
