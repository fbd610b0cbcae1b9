/**
 * Quick retries made visible while they happen: when an attempt of DAGMaker or of a submission
 * fails and the activity will be tried again, the worker tells the exposure's workflow (signal
 * `activityAttemptFailed`), which shows `submitting (attempt 3 of 6: jobsub did not answer …)` in
 * its Current Details and passes it to its run's progress. The attempt and its failure are only
 * known here: the workflow sees an activity again only when its retries are over.
 */
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { activityAttemptFailedSignal } from '../common/messages.js';
import { Failure } from '../common/failures.js';

/** The activities whose failed attempts are told (the steps of an exposure). */
const TOLD = new Set(['makeDag', 'submitDag']);

/** How long telling may take: never long enough to hold up the retry. */
const TELL_MS = 3000;

export const tellFailedAttempts: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      try {
        return await next(input);
      } catch (err) {
        const { activityType, attempt, workflowExecution } = ctx.info;
        const final =
          err instanceof CancelledFailure ||
          (err instanceof ApplicationFailure && (err.nonRetryable || err.type === Failure.WorkerShutdown));
        if (TOLD.has(activityType) && !final && workflowExecution) {
          const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 160);
          const told = ctx.client.workflow
            .getHandle(workflowExecution.workflowId, workflowExecution.runId)
            .signal(activityAttemptFailedSignal, { activityType, attempt, message });
          await Promise.race([told.catch(() => undefined), new Promise((r) => setTimeout(r, TELL_MS))]);
        }
        throw err;
      }
    },
  },
});
