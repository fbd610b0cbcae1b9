/**
 * Replays every recorded history (test/histories/<version>/*.json) against today's workflow code:
 * a change that would break a run recorded by a released version (without `patched()`) fails here.
 * Histories are kept per version and never re-recorded.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { REPO_ROOT } from '../workers/config.js';
import { workflowBundle } from './helpers/harness.js';

const HISTORIES = join(REPO_ROOT, 'test', 'histories');

const versions = (await readdir(HISTORIES, { withFileTypes: true }))
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

test('there are recorded histories to replay', () => {
  assert.ok(versions.length > 0);
});

for (const version of versions) {
  for (const file of (await readdir(join(HISTORIES, version))).filter((f) => f.endsWith('.json')).sort()) {
    test(`${version}/${file} replays against today's code`, async () => {
      const history = historyFromJSON(JSON.parse(await readFile(join(HISTORIES, version, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10);
      // Replayed under its recorded workflow id: a child's id may be made from it (e.g. `<id>-postproc`).
      const recordedId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId;
      await Worker.runReplayHistory(
        { workflowBundle: await workflowBundle() },
        history,
        recordedId || `replay-${version}-${file}`,
      );
    });
  }
}
