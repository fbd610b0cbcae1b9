/**
 * Fault survival on a real dev server with the sandbox site's fault injection: transient and
 * permanent failures, an expired proxy, a failing environment, cancellation, resume, and what
 * must never leak or execute.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { progressOf, resumeRun, signalRun } from '../../client/runs.js';
import type { ImageProcessingInput, ImageProcessingResult } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import {
  eventually,
  makeSite,
  processAlive,
  devServerForThisFile,
  exportedHistory,
  withWorker,
  range,
} from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';

const server = devServerForThisFile();

let counter = 0;
function start(input: ImageProcessingInput, id = `fault-${process.pid}-${++counter}`) {
  return server.env.client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [input],
  });
}
const count = (events: { event: string; expnum?: unknown }[], event: string, expnum: number) =>
  events.filter((e) => e.event === event && Number(e.expnum) === expnum).length;

test('transient DAGMaker and jobsub failures are retried to success; a permanent one fails only its exposure', async () => {
  const site = await makeSite();
  await site.fault('dagmaker_fail.1210400');
  await site.fault('dagmaker_cpfail.1210401');
  await site.fault('dagmaker_nodone.1210402');
  await site.fault('submit_fail.1210403');
  await site.fault('no_search_image.1210404');
  const expnums = range(1210400, 7);
  const list = await site.list('faults.list', expnums);
  const result = await withWorker(server.env, site, async () =>
    (await start({ exposureListFile: list, season: 'auto' })).result(),
  );

  const events = await site.ledger();
  const byExp = new Map(result.exposures.map((e) => [e.expnum, e]));
  for (const e of [1210400, 1210401, 1210402]) {
    assert.equal(byExp.get(e)!.status, 'submitted', `${e}: ${byExp.get(e)!.error}`);
    assert.equal(byExp.get(e)!.attempts.dagmaker, 2, `${e} DAGMaker attempts`);
    assert.equal(count(events, 'dagmaker_start', e), 2, `${e} DAGMaker runs`);
  }
  assert.equal(byExp.get(1210403)!.status, 'submitted');
  assert.equal(byExp.get(1210403)!.attempts.submit, 2);
  assert.equal(count(events, 'submit_failed', 1210403), 1);
  const permanent = byExp.get(1210404)!;
  assert.equal(permanent.status, 'failed');
  assert.match(permanent.error!, /search image is unavailable/);
  assert.equal(count(events, 'dagmaker_start', 1210404), 1, 'a permanent error is not retried');
  for (const e of expnums) assert.equal(count(events, 'submit', e), e === 1210404 ? 0 : 1, `submissions of ${e}`);
  assert.deepEqual(result.counts, { total: 7, submitted: 6, failed: 1 });
  assert.doesNotMatch(await readFile(result.outputFiles.outputTxt, 'utf8'), /1210404/);
});

test('an expired proxy pauses new work until proxyRenewed; no exposure fails', async () => {
  const site = await makeSite({
    setupSeconds: 0.1,
    dagmakerMinSeconds: 0.4,
    dagmakerMaxSeconds: 0.6,
    submitSeconds: 0.05,
  });
  const expnums = range(1210420, 8);
  const list = await site.list('proxy.list', expnums);
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto', maxConcurrent: 2 });
      await eventually(
        'two submissions',
        async () => (await site.ledger()).filter((e) => e.event === 'submit').length >= 2,
      );
      await site.fault('proxy_expired');
      const waiting = await eventually('the run to wait for a proxy', async () => {
        const p = await progressOf(server.env.client, handle.workflowId);
        return p.waitingFor?.what === 'proxy' ? p : null;
      });
      assert.match(waiting.waitingFor!.message, /proxy/);
      assert.ok(waiting.counts['waiting-for-proxy'] >= 1);
      // While it waits, nothing new starts.
      const startsBefore = (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length;
      await new Promise((r) => setTimeout(r, 3000));
      assert.equal(
        (await site.ledger()).filter((e) => e.event === 'dagmaker_start').length,
        startsBefore,
        'no DAGMaker started while the proxy was expired',
      );
      await rm(join(site.state, 'faults', 'proxy_expired'));
      await signalRun(server.env.client, handle.workflowId, 'proxyRenewed');
      const result = await handle.result();
      assert.deepEqual(result.counts, { total: 8, submitted: 8, failed: 0 });
      const events = await site.ledger();
      for (const e of expnums) assert.equal(count(events, 'submit', e), 1);
    },
    { timing: { proxyRecheckS: 600 } },
  );
});

test('a setup_img_proc.sh that keeps failing makes the run wait; retryEnvironment carries it on', async () => {
  const site = await makeSite();
  await site.fault('setup_fail', '3');
  const list = await site.list('server.env.list', [941225, 941226]);
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto' });
      const p = await eventually('the run to wait for its environment', async () => {
        const q = await progressOf(server.env.client, handle.workflowId);
        return q.phase === 'waiting-for-environment' ? q : null;
      });
      assert.match(p.waitingFor!.message, /setup_img_proc\.sh failed/);
      assert.match(p.waitingFor!.message, /Transport endpoint is not connected/);
      assert.match(p.waitingFor!.message, /desgw retry-environment /);
      await signalRun(server.env.client, handle.workflowId, 'retryEnvironment');
      const result = await handle.result();
      assert.equal(result.counts.submitted, 2);
    },
    { timing: { retryInitialIntervalS: 0.2 } },
  );
});

test('cancelling a run kills its DAGMakers, records what was submitted, and leaves its dagmaker.rc', async () => {
  const site = await makeSite();
  for (const e of range(1210431, 4)) await site.fault(`dagmaker_hang.${e}`);
  const list = await site.list('cancel.list', range(1210430, 8));
  await withWorker(server.env, site, async () => {
    const handle = await start({ exposureListFile: list, season: 'auto' });
    await eventually('four hanging DAGMakers and one submission', async () => {
      const events = await site.ledger();
      return (
        events.filter((e) => e.event === 'submit').length >= 1 &&
        events.filter((e) => e.event === 'dagmaker_start').length >= 5
      );
    });
    const runDir = join(site.root, 'site', 'desgw_runs', handle.workflowId);
    const rcBefore = createHash('sha256')
      .update(await readFile(join(runDir, 'dagmaker.rc')))
      .digest('hex');
    const cancelledAt = Date.now();
    await handle.cancel();
    await assert.rejects(
      handle.result(),
      (err: unknown) => err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure,
    );
    assert.ok(Date.now() - cancelledAt < 15_000, `cancellation took ${Date.now() - cancelledAt} ms`);
    const starts = (await site.ledger()).filter((e) => e.event === 'dagmaker_start');
    await eventually(
      'every DAGMaker to be gone',
      async () => starts.every((s) => !processAlive(Number(s.pid))),
      10_000,
    );
    assert.equal(
      createHash('sha256')
        .update(await readFile(join(runDir, 'dagmaker.rc')))
        .digest('hex'),
      rcBefore,
    );
    const manifest = JSON.parse(await readFile(join(runDir, 'manifest.json'), 'utf8')) as ImageProcessingResult;
    assert.equal(manifest.exposures.find((e) => e.expnum === 1210430)?.status, 'submitted');
    for (const e of range(1210431, 4))
      assert.equal(manifest.exposures.find((x) => x.expnum === e)?.status, 'cancelled');
    assert.match(
      await readFile(join(site.root, 'site', 'image_proc_outputs', 'output.txt'), 'utf8'),
      /^\[1210430 [iz]\]$/m,
    );
  });
});

test('a terminated run resumes with the same season, submitting only the rest', async () => {
  const site = await makeSite({
    setupSeconds: 0.1,
    dagmakerMinSeconds: 0.5,
    dagmakerMaxSeconds: 0.8,
    submitSeconds: 0.05,
  });
  const expnums = range(1210440, 10);
  const list = await site.list('resume.list', expnums);
  await withWorker(server.env, site, async () => {
    const handle = await start({ exposureListFile: list, season: 'auto', maxConcurrent: 2 });
    // Four submissions recorded with their job ids (jobsub's own record comes a moment earlier).
    const runDir = join(site.root, 'site', 'desgw_runs', handle.workflowId);
    await eventually('four recorded submissions', async () => {
      const records = await Promise.all(
        expnums.map((e) => readFile(join(runDir, `exp_${e}`, `submission_${e}.json`), 'utf8').catch(() => '')),
      );
      return records.filter((r) => r.includes('"jobId"')).length >= 4;
    });
    const season = (await progressOf(server.env.client, handle.workflowId)).season;
    await handle.terminate('test: the run is interrupted');
    const resumed = await resumeRun(server.env.client, handle.workflowId, false);
    const result = await resumed.result();
    assert.equal(result.season, season);
    assert.equal(result.counts.submitted, 10);
    const events = await site.ledger();
    for (const e of expnums) assert.equal(count(events, 'submit', e), 1, `submissions of ${e}`);
    assert.deepEqual(
      result.exposures.map((e) => e.expnum),
      expnums,
      'the result keeps the order of the list',
    );
    const already = result.exposures.filter((e) => e.resumed);
    assert.ok(already.length >= 4, `${already.length} exposures carried from the terminated run`);
    for (const e of already) assert.equal(count(events, 'dagmaker_start', e.expnum), 1, `${e.expnum} was not remade`);
  });
});

test('values that look like shell are read literally; nothing executes; no secret reaches history', async () => {
  const site = await makeSite();
  const canaryDir = await mkdtemp(join(tmpdir(), 'canary-'));
  const canary = join(canaryDir, 'executed');
  const opts = `--memory=3000MB --append_condor_requirements='(TARGET.X=="a"||TARGET.Y)' && touch ${canary} && echo 'x' "y"`;
  const list = await site.list('shellish.list', [941225]);
  // The worker's own database password (the oracle source reads it) must reach neither history nor DAGMaker.
  const workerSecret = `planted-worker-db-secret-${process.pid}`;
  process.env.DESGW_DB_PASSWORD = workerSecret;
  const result = await withWorker(server.env, site, async () =>
    (await start({ exposureListFile: list, season: 'auto', rc: { JOBSUB_OPTS: opts } })).result(),
  ).finally(() => delete process.env.DESGW_DB_PASSWORD);
  assert.equal(result.counts.submitted, 1);
  assert.ok(
    (await readFile(result.exposures[0]!.dagFile!, 'utf8')).includes(`touch ${canary}`),
    'the value reached the DAG as text',
  );
  assert.equal(existsSync(canary), false, 'a value executed');
  await rm(canaryDir, { recursive: true, force: true });

  // The environment (with the site's database password) stays in a private file, not in history.
  const password = /SANDBOX_DB_PASSWORD=['"]?([^'"\n]+)/.exec(
    await readFile(join(site.state, 'config.sh'), 'utf8'),
  )![1]!;
  const envFile = join(result.runDir, 'environment.json');
  assert.ok((await readFile(envFile, 'utf8')).includes(password), 'the captured environment holds the secret');
  assert.equal((await stat(envFile)).mode & 0o077, 0, 'environment.json is private');
  assert.equal(
    (await readFile(envFile, 'utf8')).includes(workerSecret),
    false,
    "the worker's password is not in DAGMaker's environment",
  );
  for (const id of [result.workflowId, `desgw-season-${result.season}-exp-941225`]) {
    const history = await exportedHistory(server.env.address, id);
    assert.ok(history.json.length > 1000);
    assert.equal(history.json.includes(password), false, `the secret is in the history of ${id}`);
    assert.equal(
      history.payloads.includes(password) || history.payloads.includes(workerSecret),
      false,
      `a secret is in a payload of ${id}`,
    );
  }
});

test('what the run writes is group-writable (umask 002)', async () => {
  const site = await makeSite();
  const list = await site.list('umask.list', [941226]);
  const result = await withWorker(server.env, site, async () =>
    (await start({ exposureListFile: list, season: 'auto' })).result(),
  );
  for (const f of [
    join(result.runDir, 'dagmaker.rc'),
    result.outputFiles.manifest,
    result.outputFiles.outputTxt,
    result.exposures[0]!.dagmakerOutFile!,
    result.exposures[0]!.dagFile!,
    result.runDir,
  ]) {
    assert.ok(((await stat(f)).mode & 0o020) !== 0, `${f} is not group-writable`);
  }
});
