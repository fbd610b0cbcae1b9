/**
 * Why: on an ordinary day the DES machine's worker goes away for a while (a deploy, `systemctl
 * restart`), and no workflow may fail for it. Every step that runs on the DES machine's queues goes
 * through here: when no worker takes its task within its policy's schedule-to-start timeout, whoever
 * runs the step is told that it waits for a worker (`waiting-for-worker`), and the task is scheduled
 * again to wait as long as it takes (WORKER_WAIT), starting the moment a worker takes it. The run's
 * own steps, post-processing's activities and an exposure's failure record all wait this one way.
 * (An exposure's DAGMaker and submission wait the same way inside wait-out.ts, with its other waits.)
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { WORKER_WAIT } from './activity-policies.js';
import { waitOf, type Waiting } from './wait-out.js';

/** A task's options while it waits for the DES machine's worker: it waits long to start, and starts when one takes it. */
export function patient(options: ActivityOptions): ActivityOptions {
  return { ...options, scheduleToStartTimeout: WORKER_WAIT };
}

export interface WorkerWait {
  /** Told with what it waits for when the wait begins, and with undefined once a worker has taken the task. */
  tell: (waiting: Waiting | undefined) => void;
  /**
   * Whether this history may wait: checked only once a wait is needed, so a `patched()` guard here
   * marks only the histories that really wait (an older history failed there instead).
   */
  mayWait?: () => boolean;
}

/**
 * Runs a step on the DES machine: `call(false)` with the step's own options first; when no worker
 * took its task in time, `call(true)` (with `patient` options) until a worker does. Any other
 * failure is thrown as it came.
 */
export async function onSite<T>(call: (patiently: boolean) => Promise<T>, wait: WorkerWait): Promise<T> {
  try {
    return await call(false);
  } catch (err) {
    const waiting = waitOf(err);
    if (waiting?.what !== 'worker' || (wait.mayWait && !wait.mayWait())) throw err;
    wait.tell(waiting);
    for (;;) {
      try {
        const r = await call(true);
        wait.tell(undefined);
        return r;
      } catch (again) {
        if (waitOf(again)?.what !== 'worker') throw again;
      }
    }
  }
}
