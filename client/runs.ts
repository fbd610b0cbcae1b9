/** What the desgw commands do with existing runs: progress, signals, resume. */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ImageProcessingInput, Progress } from '../common/contract.js';
import { TASK_QUEUE } from '../common/contract.js';
import { progressQuery, proxyRenewedSignal, retryEnvironmentSignal, retryNowSignal } from '../common/messages.js';
import { imageProcessing } from '../workflows/image-processing.js';

export class UserError extends Error {}

export async function progressOf(client: Client, workflowId: string): Promise<Progress> {
  return client.workflow.getHandle(workflowId).query(progressQuery);
}

const SIGNALS = {
  proxyRenewed: proxyRenewedSignal,
  retryEnvironment: retryEnvironmentSignal,
  retryNow: retryNowSignal,
} as const;

export async function signalRun(client: Client, workflowId: string, what: keyof typeof SIGNALS): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(SIGNALS[what]);
}

/**
 * The input a run was started with: the first argument of the oldest execution of its id, so that a
 * later execution (a refused resume started with the Temporal CLI, say) cannot change what is resumed.
 */
export async function inputOf(client: Client, workflowId: string): Promise<ImageProcessingInput> {
  let oldest: { runId: string; startTime: Date } | undefined;
  for await (const w of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    if (!oldest || w.startTime < oldest.startTime) oldest = { runId: w.runId, startTime: w.startTime };
  }
  const history = await client.workflow.getHandle(workflowId, oldest?.runId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) throw new UserError(`run ${workflowId} has no input in its history`);
  return defaultPayloadConverter.fromPayload<ImageProcessingInput>(payload);
}

/**
 * Resumes a run that failed, was cancelled or terminated: the same workflow id again (so the same
 * season and run directory), with `resume` set. Exposures already submitted are not submitted again;
 * ones that failed for good are retried only with retryFailed (also for a completed run).
 */
export async function resumeRun(client: Client, workflowId: string, retryFailed: boolean) {
  const handle = client.workflow.getHandle(workflowId);
  const { status } = await handle.describe();
  const resumable = ['FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT'];
  if (status.name === 'RUNNING') {
    throw new UserError(
      `run ${workflowId} is still running; if it waits for its environment, use: desgw retry-environment ${workflowId}`,
    );
  }
  if (!resumable.includes(status.name) && !(status.name === 'COMPLETED' && retryFailed)) {
    throw new UserError(
      `run ${workflowId} ${status.name.toLowerCase()}: nothing to resume (use --retry-failed to retry its failed exposures)`,
    );
  }
  const input = await inputOf(client, workflowId);
  return client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ ...input, resume: { retryFailed } }],
  });
}
