/**
 * `awaitProcessable`: an event campaign's exposures become processable when their raw image is at
 * Fermilab. One activity waits for a batch's raw images (waitForRawImages) and, for those found,
 * appends their rows to the campaign's own exposures.list (appendToRunList) before it returns, so
 * DAGMaker, started the moment this returns, finds the exposure however new it is. One activity, not
 * two, per batch: a night of 300 exposures keeps the campaign's history small.
 */
import type { WorkerConfig } from '../common/settings.js';
import type { ExposureRow } from '../common/exposure-admission.js';
import { appendToRunListWith } from './append-to-run-list.js';
import type { WaitForRawImagesResult } from './campaign-types.js';
import { waitForRawImagesWith } from './wait-for-raw-images.js';

export interface AwaitProcessableInput {
  runDir: string;
  rows: ExposureRow[];
  maxWaitS: number;
}

export async function awaitProcessableWith(
  config: WorkerConfig,
  input: AwaitProcessableInput,
): Promise<WaitForRawImagesResult> {
  const found = await waitForRawImagesWith(config, {
    exposures: input.rows.map((r) => ({ expnum: r.expnum, nite: r.nite })),
    maxWaitS: input.maxWaitS,
  });
  if (found.present.length === 0) return found;
  const present = new Set(found.present.map((p) => p.expnum));
  await appendToRunListWith(config, { runDir: input.runDir, rows: input.rows.filter((r) => present.has(r.expnum)) });
  return found;
}
