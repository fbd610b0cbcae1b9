/**
 * A long run continues as new before its history grows large, carrying the window and every
 * exposure's state: none is lost or repeated across the boundaries, and progress answers throughout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_QUEUE } from '../../common/contract.js';
import { dagmakerIntervals, makeSite, maxOverlap, devServerForThisFile, withWorker } from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { progressQuery } from '../../common/messages.js';

const server = devServerForThisFile();

test('no exposure lost or repeated across forced continue-as-new boundaries', async () => {
  const site = await makeSite({
    setupSeconds: 0.1,
    dagmakerMinSeconds: 0.2,
    dagmakerMaxSeconds: 0.5,
    submitSeconds: 0.02,
  });
  const expnums = Array.from({ length: 24 }, (_, i) => 1210400 + i);
  const list = await site.list('long.list', expnums);
  // A history of ~60 events holds only a few exposures: several boundaries in one run.
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await server.env.client.workflow.start(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: `can-${process.pid}`,
        args: [{ exposureListFile: list, season: 'auto', maxConcurrent: 3 }],
      });
      const seen = new Set<number>();
      let finished = false;
      const result = handle.result().finally(() => (finished = true));
      while (!finished) {
        const p = await handle.query(progressQuery).catch(() => null);
        if (p?.phase === 'processing') {
          assert.equal(p.total, expnums.length, 'progress answers with every exposure');
          assert.equal(p.exposures.length, expnums.length);
          seen.add(p.continuedAsNew);
        }
        await new Promise((r) => setTimeout(r, 150));
      }
      const r = await result;
      assert.deepEqual(
        r.exposures.map((e) => e.expnum),
        expnums,
      );
      assert.equal(r.counts.submitted, expnums.length);
      const final = await handle.query(progressQuery);
      assert.ok(final.continuedAsNew >= 3, `continued as new ${final.continuedAsNew} times`);
      assert.ok(seen.size >= 2, 'progress was read on both sides of a boundary');
      const events = await site.ledger();
      for (const e of expnums) {
        assert.equal(
          events.filter((x) => x.event === 'dagmaker_start' && Number(x.expnum) === e).length,
          1,
          `DAGMaker runs of ${e}`,
        );
        assert.equal(
          events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length,
          1,
          `submissions of ${e}`,
        );
      }
      assert.ok(maxOverlap(dagmakerIntervals(events)) <= 3);
      const desc = await handle.describe();
      assert.ok(desc.historyLength < 200, `the last run's history has ${desc.historyLength} events`);
    },
    { timing: { historyEventLimit: 60 } },
  );
});
