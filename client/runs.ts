/** What the desgw commands do with existing runs: progress, signals, resume. */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { ImageProcessingInput, ImageProcessingResult, Progress } from '../common/contract.js';
import { PARENT_WORKFLOW_TYPE, PROGRESS_QUERY, PROXY_RENEWED_SIGNAL, RETRY_ENVIRONMENT_SIGNAL, RETRY_NOW_SIGNAL, TASK_QUEUE } from '../common/contract.js';

export class UserError extends Error {}

export async function progressOf(client: Client, workflowId: string): Promise<Progress> {
  return client.workflow.getHandle(workflowId).query<Progress>(PROGRESS_QUERY);
}

const SIGNALS = { proxyRenewed: PROXY_RENEWED_SIGNAL, retryEnvironment: RETRY_ENVIRONMENT_SIGNAL, retryNow: RETRY_NOW_SIGNAL } as const;

export async function signalRun(client: Client, workflowId: string, what: keyof typeof SIGNALS): Promise<void> {
  await client.workflow.getHandle(workflowId).signal(SIGNALS[what]);
}

/** The input a run was started with (the first argument of its first execution). */
export async function inputOf(client: Client, workflowId: string): Promise<ImageProcessingInput> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
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
    throw new UserError(`run ${workflowId} is still running; if it waits for its environment, use: desgw retry-environment ${workflowId}`);
  }
  if (!resumable.includes(status.name) && !(status.name === 'COMPLETED' && retryFailed)) {
    throw new UserError(`run ${workflowId} ${status.name.toLowerCase()}: nothing to resume (use --retry-failed to retry its failed exposures)`);
  }
  const input = await inputOf(client, workflowId);
  return client.workflow.start<(i: ImageProcessingInput) => Promise<ImageProcessingResult>>(PARENT_WORKFLOW_TYPE, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ ...input, resume: { retryFailed } }],
  });
}
