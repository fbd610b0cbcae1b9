/** The sites the benchmarks run on: the sandbox site with synthetic exposures, optionally with instant stand-ins. */
import type { Client } from '@temporalio/client';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TASK_QUEUE } from '../common/contract.js';
import { REPO_ROOT } from '../workers/config.js';
import { makeSite, type Site } from '../test/helpers/harness.js';
import { addSyntheticExposures } from './synthetic.js';
import { imageProcessing } from '../workflows/image-processing.js';

export interface BenchSite {
  site: Site;
  expnums: number[];
  list: string;
}

/**
 * A sandbox site with `n` exposures numbered from `first`, each DAGMaker taking `durations(i)`
 * seconds; with `instant`, DAGMaker and jobsub are replaced by stand-ins that do no work at all.
 */
export async function benchSite(
  n: number,
  first: number,
  durations: (i: number) => number = () => 0,
  instant = false,
): Promise<BenchSite> {
  const site = await makeSite({ setupSeconds: 0, dagmakerMinSeconds: 0, dagmakerMaxSeconds: 0, submitSeconds: 0 });
  if (instant) {
    await copyFile(join(REPO_ROOT, 'bench', 'instant', 'DAGMaker.sh'), join(site.gwDir, 'DAGMaker.sh'));
    await copyFile(
      join(REPO_ROOT, 'bench', 'instant', 'jobsub_submit_dag'),
      join(site.root, 'site', 'grid', 'bin', 'jobsub_submit_dag'),
    );
  }
  const expnums = await addSyntheticExposures(site.gwDir, first, n);
  await writeFile(
    join(site.state, 'durations'),
    expnums.map((e, i) => `${e} ${durations(i).toFixed(3)}`).join('\n') + '\n',
  );
  return { site, expnums, list: await site.list('bench.list', expnums) };
}

/** Starts a run of the list with an `auto` season, as a person would. */
export function startBenchRun(client: Client, list: string, workflowId: string) {
  return client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId,
    args: [{ exposureListFile: list, season: 'auto' }],
  });
}
