/** Starting an `imageProcessing` run: what `desgw run` does, usable from scripts and tests. */
import type { Client } from '@temporalio/client';
import { basename, resolve } from 'node:path';
import type { ImageProcessingInput } from '../common/contract.js';
import { TASK_QUEUE } from '../common/contract.js';
import type { PostProcessingOptions } from '../common/post-processing-contract.js';
import type { DryRunReport } from '../workflows/dry-run.js';
import { imageProcessing } from '../workflows/image-processing.js';
import { dryRun } from '../workflows/dry-run.js';

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

export async function startRun(client: Client, o: RunOptions) {
  const input = runInput(o);
  return client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: o.workflowId ?? defaultWorkflowId(o.season),
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
    workflowId: `desgw-dry-run-${new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`,
    args: [runInput(o)],
  });
}
