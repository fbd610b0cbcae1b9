/** Starting an `imageProcessing` run: what `desgw run` does, usable from scripts and tests. */
import { WorkflowIdReusePolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { basename, resolve } from 'node:path';
import type { ImageProcessingInput } from '../common/contract.js';
import { DESGW_STATUS } from '../common/search-attributes.js';
import { TASK_QUEUE } from '../common/contract.js';
import type { PostProcessingOptions } from '../common/post-processing-contract.js';
import type { DryRunReport } from '../workflows/dry-run.js';
import { imageProcessing } from '../workflows/image-processing.js';
import { dryRun } from '../workflows/dry-run.js';
import { isBadInput } from '../common/next-step.js';
import { executionOf } from './execution.js';
import { UserError } from './runs.js';

export interface RunOptions {
  expList: string;
  season: 'auto' | number;
  rc?: Record<string, string>;
  maxConcurrent?: number;
  gwWorkflowDir?: string;
  outputDir?: string;
  workflowId?: string;
  postProcessing?: PostProcessingOptions;
}

/** Readable ids: `desgw-season-612` for a requested season, `desgw-auto-20231014-231502` otherwise. */
export function defaultWorkflowId(season: 'auto' | number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  if (season === 'auto') return `desgw-auto-${stamp}`;
  // The test seasons are used again and again: keep their runs apart.
  return season === 2206 || season === 2208 ? `desgw-season-${season}-${stamp}` : `desgw-season-${season}`;
}

export function runInput(o: RunOptions): ImageProcessingInput {
  const input: ImageProcessingInput = { exposureListFile: resolve(o.expList), season: o.season };
  if (o.rc && Object.keys(o.rc).length > 0) input.rc = o.rc;
  if (o.maxConcurrent !== undefined) input.maxConcurrent = o.maxConcurrent;
  if (o.gwWorkflowDir) input.gwWorkflowDir = resolve(o.gwWorkflowDir);
  if (o.outputDir) input.outputDir = resolve(o.outputDir);
  if (o.postProcessing) input.postProcessing = o.postProcessing;
  return input;
}

/**
 * Refuses to start over a run that exists under `workflowId` (running, completed, failed, cancelled
 * or terminated): a new execution would hide it from `desgw status` and `temporal workflow result`.
 * Only a run that failed on its input (nothing was made or submitted) may be started again as is.
 */
export async function refuseExistingRun(client: Client, workflowId: string): Promise<void> {
  let e;
  try {
    e = await executionOf(client.workflow.getHandle(workflowId));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return;
    throw err;
  }
  if (e.state === 'failed' && isBadInput(e.failureType)) return;
  const next =
    e.state === 'running'
      ? `follow it: desgw watch ${workflowId}`
      : e.state === 'completed'
        ? `see it: desgw status ${workflowId}; retry its failed exposures: desgw resume ${workflowId} --retry-failed`
        : `finish it: desgw resume ${workflowId}`;
  throw new UserError(
    `run ${workflowId} already exists (${e.state}): nothing started; ${next}; to process the list again, choose another season or --workflow-id`,
  );
}

export async function startRun(client: Client, o: RunOptions) {
  const input = runInput(o);
  const workflowId = o.workflowId ?? defaultWorkflowId(o.season);
  await refuseExistingRun(client, workflowId);
  return client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId,
    // Closes the race with another start: a run that completed or still runs is never started over.
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    args: [input],
    // What the Web UI shows at the top of the run (the season is settled once it is reserved).
    staticSummary: `DESGW image processing: ${basename(input.exposureListFile)}, season ${o.season}`,
    staticDetails: [
      `list: ${input.exposureListFile}`,
      `rc: ${JSON.stringify(input.rc ?? {})}`,
      `max concurrent: ${input.maxConcurrent ?? 5}`,
    ].join('\n\n'),
  });
}

/** Runs the `dryRun` workflow on the same input and returns its report. */
export async function dryRunOf(client: Client, o: Omit<RunOptions, 'workflowId'>): Promise<DryRunReport> {
  return client.workflow.execute(dryRun, {
    taskQueue: TASK_QUEUE,
    // Easy to leave out of the workflow list: DesgwStatus != "dry-run".
    typedSearchAttributes: [{ key: DESGW_STATUS, value: 'dry-run' }],
    workflowId: `desgw-dry-run-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`,
    args: [runInput(o)],
  });
}

/**
 * The Web UI's page of a workflow, where its Current Details show: DESGW_WEB_UI, else the dev
 * server's UI when the server is the local dev server; none when neither is known.
 */
export function webUiLink(workflowId: string, runId: string, namespace: string, env = process.env): string | null {
  const address = env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const base =
    env.DESGW_WEB_UI ?? (/^(localhost|127\.0\.0\.1):7233$/.test(address) ? 'http://localhost:8233' : undefined);
  if (!base) return null;
  return `${base.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}/${runId}/user-metadata`;
}
