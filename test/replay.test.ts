/**
 * Replays committed histories against today's workflow code: a change that would break a running
 * history (without patching) fails here.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../workers/config.js';
import { workflowBundle } from './helpers/harness.js';

for (const type of ['imageProcessing', 'processExposure']) {
  test(`a recorded ${type} history replays`, async () => {
    const history = historyFromJSON(
      JSON.parse(await readFile(join(REPO_ROOT, 'test', 'histories', `${type}.json`), 'utf8')),
    );
    assert.ok((history.events?.length ?? 0) > 10);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay-${type}`);
  });
}
