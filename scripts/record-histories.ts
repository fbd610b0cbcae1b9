/**
 * Records the histories the replay test guards: runs a small list on a fresh dev server and the
 * sandbox site, then writes the parent's and one child's history to test/histories/.
 * Run after a deliberate, patched change to workflow code: `make build && node dist/scripts/record-histories.js`.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageProcessingInput, ImageProcessingResult } from '../common/contract.js';
import { PARENT_WORKFLOW_TYPE, TASK_QUEUE } from '../common/contract.js';
import { REPO_ROOT } from '../workers/config.js';
import { makeSite, startDevServer, withWorker } from '../test/helpers/harness.js';

const env = await startDevServer();
try {
  const site = await makeSite();
  const list = await site.list('record.list', [941225, 941226, 941227]);
  const result = await withWorker(env, site, () =>
    env.client.workflow.execute<(i: ImageProcessingInput) => Promise<ImageProcessingResult>>(PARENT_WORKFLOW_TYPE, {
      taskQueue: TASK_QUEUE,
      workflowId: 'desgw-replay-sample',
      args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'off' }, maxConcurrent: 2 }],
    }),
  );
  const dir = join(REPO_ROOT, 'test', 'histories');
  const parent = await env.client.workflow.getHandle('desgw-replay-sample').fetchHistory();
  await writeFile(join(dir, 'imageProcessing.json'), historyToJSON(parent));
  const childId = `desgw-season-${result.season}-exp-941225`;
  const child = await env.client.workflow.getHandle(childId).fetchHistory();
  await writeFile(join(dir, 'processExposure.json'), historyToJSON(child));
  console.log(`recorded ${parent.events?.length} parent events and ${child.events?.length} child events in ${dir}`);
} finally {
  await env.teardown();
}
