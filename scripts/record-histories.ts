/**
 * Records the histories the replay test guards: runs a small list on a fresh dev server and the
 * sandbox site, then writes the parent's and one child's history to test/histories/.
 * Run after a deliberate, patched change to workflow code: `make build && node dist/scripts/record-histories.js`.
 */
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TASK_QUEUE } from '../common/contract.js';
import { REPO_ROOT } from '../workers/config.js';
import { makeSite, startDevServer, temporalCli, withWorker } from '../test/helpers/harness.js';
import { imageProcessing } from '../workflows/image-processing.js';

const env = await startDevServer();
try {
  const site = await makeSite();
  const list = await site.list('record.list', [941225, 941226, 941227]);
  const result = await withWorker(env, site, () =>
    env.client.workflow.execute(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: 'desgw-replay-sample',
      args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'off' }, maxConcurrent: 2 }],
    }),
  );
  // The Temporal CLI's JSON export is the format `historyFromJSON` reads.
  const dir = join(REPO_ROOT, 'test', 'histories');
  const cli = await temporalCli();
  for (const [file, workflowId] of [
    ['imageProcessing.json', 'desgw-replay-sample'],
    ['processExposure.json', `desgw-season-${result.season}-exp-941225`],
  ] as const) {
    const { stdout } = await execa(cli, [
      'workflow',
      'show',
      '--address',
      env.address,
      '--workflow-id',
      workflowId,
      '--output',
      'json',
    ]);
    await writeFile(join(dir, file), stdout.trimEnd() + '\n');
    console.log(
      `recorded ${(JSON.parse(stdout) as { events: unknown[] }).events.length} events of ${workflowId} in ${file}`,
    );
  }
} finally {
  await env.teardown();
}
