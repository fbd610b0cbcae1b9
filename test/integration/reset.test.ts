/**
 * What an ordinary night's waits must survive. `temporal workflow reset`, which the runbook calls
 * safe, as an operator runs it: a run that waited for a proxy, for jobsub and for the DES database
 * is reset to its first workflow task with its signals reapplied (the CLI's default); the
 * children's old `exposureState` signals arrive again before any child of the new run exists, and
 * believed, they would pause the window for good. And a wait of weeks: an exposure's wait
 * continues as new before its history grows large, telling its run nothing again.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { execa } from 'execa';
import type { ImageProcessingResult, Progress } from '../../common/contract.js';
import { progressQuery } from '../../common/messages.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import {
  devServerForThisFile,
  eventually,
  FAST,
  makeSite,
  temporalCli,
  withWorker,
  type Site,
} from '../helpers/harness.js';

const server = devServerForThisFile();

async function waitsFor(site: Site, id: string, fault: string, what: string): Promise<void> {
  await site.fault(fault);
  await eventually(
    `the run to wait for ${what}`,
    async () => {
      const p: Progress = await server.env.client.workflow.getHandle(id).query(progressQuery);
      return p.waitingFor?.what === what;
    },
    60_000,
    200,
  );
  await rm(join(site.state, 'faults', fault));
}

test('a run that waited for a proxy, jobsub and the database, reset to its first workflow task with its signals reapplied, completes with nothing submitted twice', async () => {
  // DAGMakers of a few seconds: each fault is planted while an exposure is in the step it breaks.
  const site = await makeSite({ ...FAST, dagmakerMinSeconds: 2, dagmakerMaxSeconds: 3 });
  const expnums = [1210470, 1210471, 1210472];
  const list = await site.list('reset.list', expnums);
  const id = `reset-${process.pid}`;
  await withWorker(
    server.env,
    site,
    async () => {
      await site.fault(`submit_fail.${expnums[2]}`, '1');
      const handle = await server.env.client.workflow.start(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [{ exposureListFile: list, season: 'auto', maxConcurrent: 1, rc: { WRITEDB: 'off' } }],
      });
      await waitsFor(site, id, 'database_down', 'database');
      await waitsFor(site, id, 'jobsub_down', 'jobsub');
      // The proxy expires between two attempts of the last submission: that child's last word to
      // the run is `waiting-for-proxy` (it says nothing more once the proxy is back).
      await eventually(
        'a first submission attempt of the last exposure to fail',
        async () => (await site.ledger()).some((e) => e.event === 'submit_failed' && e.expnum === expnums[2]),
        120_000,
      );
      await waitsFor(site, id, 'proxy_expired', 'proxy');
      const first = (await handle.result()) as ImageProcessingResult;
      assert.equal(first.counts.submitted, 3);
      const history = await handle.fetchHistory();
      const signals = (history.events ?? []).filter(
        (e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'exposureState',
      ).length;
      assert.ok(signals >= 3, `the children told the run of their waits (${signals} signals)`);

      const reset = await execa(
        await temporalCli(),
        ['workflow', 'reset', '--workflow-id', id, '--type', 'FirstWorkflowTask', '--reason', 'runbook reset', '--yes'],
        { env: { TEMPORAL_ADDRESS: server.env.address }, reject: false },
      );
      assert.equal(reset.exitCode, 0, reset.stderr);
      const again = (await Promise.race([
        server.env.client.workflow.getHandle(id).result(),
        new Promise((_, fail) =>
          setTimeout(() => fail(new Error('the reset run did not complete within 90 s (a paused window?)')), 90_000),
        ),
      ])) as ImageProcessingResult;
      assert.equal(again.counts.submitted, 3, 'the reset run completed, every exposure submitted');
      const submits = (await site.ledger()).filter((e) => e.event === 'submit');
      for (const e of expnums)
        assert.equal(submits.filter((s) => s.expnum === e).length, 1, `exposure ${e} was submitted once`);
    },
    { timing: { proxyRecheckS: 1, outageRecheckS: 1, outageRecheckMaxS: 1, retryInitialIntervalS: 1.5 } },
  );
});

test("an exposure's long wait for a proxy continues as new before its history grows large, tells the run once, and submits once when the proxy is back", async () => {
  const site = await makeSite();
  const list = await site.list('long-proxy.list', [1210473]);
  const id = `long-wait-${process.pid}`;
  await site.fault('submit_fail.1210473', '1');
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await server.env.client.workflow.start(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: id,
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'off' } }],
      });
      // The DAG is made; the proxy expires between two attempts of its submission, which then
      // waits, re-checking every 0.2 s.
      await eventually('a first submission attempt to fail', async () =>
        (await site.ledger()).some((e) => e.event === 'submit_failed' && Number(e.expnum) === 1210473),
      );
      await site.fault('proxy_expired');
      const p = await eventually('the exposure to wait for a proxy', async () => {
        const v: Progress = await handle.query(progressQuery);
        return v.waitingFor?.what === 'proxy' ? v : null;
      });
      const child = server.env.client.workflow.getHandle(`desgw-season-${p.season}-exp-1210473`);
      await eventually(
        'the wait to continue as new twice',
        async () => {
          const runs = [];
          for await (const w of server.env.client.workflow.list({ query: `WorkflowId = '${child.workflowId}'` }))
            runs.push(w);
          return runs.length >= 3;
        },
        90_000,
        500,
      );
      await rm(join(site.state, 'faults', 'proxy_expired'));
      const result = (await handle.result()) as ImageProcessingResult;
      assert.equal(result.counts.submitted, 1);
      assert.equal((await site.ledger()).filter((e) => e.event === 'submit').length, 1, 'submitted once');
      assert.equal(
        (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length,
        1,
        'its DAG was not made again after continuing as new',
      );
      const told = ((await handle.fetchHistory()).events ?? []).filter(
        (e) =>
          e.workflowExecutionSignaledEventAttributes?.signalName === 'exposureState' &&
          JSON.stringify(e.workflowExecutionSignaledEventAttributes.input ?? {}).length > 0,
      ).length;
      assert.ok(
        told <= 3,
        `the run was told of the exposure ${told} times (submitting, waiting), not once per execution`,
      );
    },
    { timing: { proxyRecheckS: 0.2, retryInitialIntervalS: 1, historyEventLimit: 60 } },
  );
});
