/**
 * The fast tier: the parent and child workflows on a real dev server, with stub activities, so that
 * their orchestration is checked in seconds: the window, waiting for a proxy or an outage, continue-
 * as-new, and failure reports. The full-stack suite (test/integration/) checks the same against the
 * sandbox site.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_QUEUE } from '../../common/contract.js';
import { Failure, MAX_ERROR_IN_HISTORY } from '../../common/failures.js';
import { progressQuery, proxyRenewedSignal } from '../../common/messages.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { Worker } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { notifySinks } from '../../workers/notify.js';
import { devServerForThisFile, eventually, range, workflowBundle } from '../helpers/harness.js';
import { failure, stubActivities, validatedRun, withStubs } from '../helpers/stub-activities.js';

const server = devServerForThisFile();
let counter = 0;
const start = () =>
  server.env.client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: `fast-${process.pid}-${++counter}`,
    args: [{ exposureListFile: '/stub/night.list', season: 'auto' }],
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('the window keeps at most maxConcurrent exposures in flight and starts the next as soon as one ends', async () => {
  const run = validatedRun(range(1000, 12), {}, 3);
  let inFlight = 0;
  let most = 0;
  const starts: number[] = [];
  const activities = stubActivities(run, {
    makeDag: async ({ expnum }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      starts.push(expnum);
      await sleep(expnum % 3 === 0 ? 400 : 50);
      inFlight--;
      return { dagFile: '', outFile: '', warnings: [], recommendedSubmit: '', durationMs: 1, attempt: 1 };
    },
  });
  const { result, children } = await withStubs(server.env, activities, async () => {
    const handle = await start();
    const result = await handle.result();
    const events = (await handle.fetchHistory()).events ?? [];
    const children = events
      .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
      .filter(Boolean);
    return { result, children };
  });
  assert.equal(most, 3, 'three at once, never more');
  assert.deepEqual(
    children,
    range(1000, 12).map((e) => `desgw-season-612-exp-${e}`),
    'children started in list order',
  );
  assert.deepEqual([...starts].sort(), range(1000, 12), 'each DAGMaker once');
  assert.deepEqual(result.counts, { total: 12, submitted: 12, failed: 0 });
});

test('an expired proxy pauses new work; proxyRenewed carries it on and no exposure fails', async () => {
  const run = validatedRun(range(2000, 4), { proxyRecheckS: 3600 }, 2);
  let expired = true;
  const calls: number[] = [];
  const activities = stubActivities(run, {
    makeDag: async ({ expnum }) => {
      calls.push(expnum);
      if (expired) throw failure(Failure.ProxyExpired, 'the grid proxy is missing or valid for less than 1:00');
      return { dagFile: '', outFile: '', warnings: [], recommendedSubmit: '', durationMs: 1, attempt: 1 };
    },
  });
  const result = await withStubs(server.env, activities, async () => {
    const handle = await start();
    const waiting = await eventually('the run to wait for a proxy', async () => {
      const p = await handle.query(progressQuery);
      return p.waitingFor?.what === 'proxy' ? p : null;
    });
    assert.match(waiting.waitingFor!.message, /proxy/);
    await sleep(500);
    const before = calls.length;
    await sleep(500);
    assert.equal(calls.length, before, 'nothing new starts while the proxy is expired');
    expired = false;
    await handle.signal(proxyRenewedSignal);
    return handle.result();
  });
  assert.deepEqual(result.counts, { total: 4, submitted: 4, failed: 0 });
});

test('an outage of jobsub is waited out with backoff, the parent told once however many re-checks', async () => {
  const run = validatedRun([3000]);
  let submits = 0;
  const activities = stubActivities(run, {
    submitDag: async ({ expnum }) => {
      if (++submits < 16)
        throw failure(Failure.JobsubUnavailable, 'jobsub did not answer: Failed to connect to queue manager');
      return { jobId: `${expnum}.0@jobsub01.fnal.gov`, outFile: '', durationMs: 1, attempt: 1, recovered: false };
    },
  });
  await withStubs(server.env, activities, async () => {
    const handle = await start();
    const result = await handle.result();
    assert.deepEqual(result.counts, { total: 1, submitted: 1, failed: 0 });
    const events = (await handle.fetchHistory()).events ?? [];
    const signals = events.filter((e) => e.workflowExecutionSignaledEventAttributes);
    // The child's signals: making-dag → submitting, then one for the wait; none per re-check.
    assert.equal(signals.length, 2, `${signals.length} signals for ${submits} attempts`);
  });
});

test('a long run continues as new and carries every outcome: each exposure once, none lost', async () => {
  const run = validatedRun(range(4000, 30), { historyEventLimit: 80 }, 4);
  const submitted: number[] = [];
  const activities = stubActivities(run, {
    submitDag: async ({ expnum }) => {
      submitted.push(expnum);
      return { jobId: `${expnum}.0@jobsub01.fnal.gov`, outFile: '', durationMs: 1, attempt: 1, recovered: false };
    },
  });
  await withStubs(server.env, activities, async () => {
    const handle = await start();
    const result = await handle.result();
    assert.deepEqual(result.counts, { total: 30, submitted: 30, failed: 0 });
    assert.deepEqual([...submitted].sort(), range(4000, 30));
    assert.deepEqual(
      result.exposures.map((e) => e.jobId),
      range(4000, 30).map((e) => `${e}.0@jobsub01.fnal.gov`),
    );
    const p = await handle.query(progressQuery);
    assert.ok(p.continuedAsNew >= 2, `continued as new ${p.continuedAsNew} times`);
  });
});

test('a failed exposure is reported with its step and its error cut for history; the whole error is recorded beside its files', async () => {
  const run = validatedRun([5000, 5001]);
  const recorded: string[] = [];
  const long = `Cannot proceed without the search image! ${'x'.repeat(2000)}`;
  const activities = stubActivities(run, {
    makeDag: async ({ expnum }) => {
      if (expnum === 5001) throw failure(Failure.DagMakerPermanent, long, true);
      return { dagFile: '', outFile: '', warnings: [], recommendedSubmit: '', durationMs: 1, attempt: 1 };
    },
    recordFailure: async ({ error }) => void recorded.push(error),
  });
  const result = await withStubs(server.env, activities, async () => (await start()).result());
  assert.deepEqual(result.counts, { total: 2, submitted: 1, failed: 1 });
  const failed = result.exposures.find((e) => e.expnum === 5001)!;
  assert.equal(failed.status, 'failed');
  assert.match(failed.error!, /^DAGMaker failed: Cannot proceed without the search image! x+…$/);
  assert.equal(failed.error!.length, MAX_ERROR_IN_HISTORY);
  assert.equal(recorded[0], `DAGMaker failed: ${long}`);
});

test('a run whose DES worker is down says waiting-for-worker, and carries on by itself when one returns', async () => {
  const run = validatedRun([6000, 6001]);
  const namespace = server.env.namespace ?? 'default';
  await ensureSearchAttributes(server.env.nativeConnection, namespace);
  // Only the workflows are served at first: the site's tasks wait for a worker.
  const flow = await Worker.create({
    connection: server.env.nativeConnection,
    namespace,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    sinks: notifySinks(null),
  });
  const flowing = flow.run();
  try {
    const handle = await start();
    const waiting = await eventually(
      'the run to wait for the worker',
      async () => {
        const p = await handle.query(progressQuery);
        return p.waitingFor?.what === 'worker' ? p : null;
      },
      90_000,
    );
    assert.equal(waiting.phase, 'validating');
    assert.match(waiting.waitingFor!.message, /no worker has taken its validateRun task/);
    assert.equal((await handle.describe()).searchAttributes.DesgwStatus?.[0], 'waiting-for-worker');
    const result = await withStubs(server.env, stubActivities(run), () => handle.result(), { workflows: false });
    assert.deepEqual(result.counts, { total: 2, submitted: 2, failed: 0 });
  } finally {
    flow.shutdown();
    await flowing;
  }
});

test("TRIES counts every attempt: the quick retries, each re-check while the site is down, and a run cut short by a worker's shutdown", async () => {
  const run = validatedRun([7000]);
  const calls = { makeDag: 0, submitDag: 0 };
  const failing = (type: string, message: string, nonRetryable = false) =>
    ApplicationFailure.create({ type, message, nonRetryable, details: [{ attempt: Context.current().info.attempt }] });
  const activities = stubActivities(run, {
    makeDag: async () => {
      // Stopped by a deploy, then the DES database down for the quick retries and two re-checks.
      if (++calls.makeDag === 1) throw failing(Failure.WorkerShutdown, 'DAGMaker 7000 was stopped by the worker', true);
      if (calls.makeDag <= 8) throw failing(Failure.DatabaseUnavailable, 'ORA-12170: TNS:Connect timeout occurred');
      return {
        dagFile: '',
        outFile: '',
        warnings: [],
        recommendedSubmit: '',
        durationMs: 1,
        attempt: Context.current().info.attempt,
      };
    },
    submitDag: async ({ expnum }) => {
      if (++calls.submitDag <= 8) throw failing(Failure.JobsubUnavailable, 'jobsub did not answer: Failed to connect');
      const attempt = Context.current().info.attempt;
      return { jobId: `${expnum}.0@jobsub01.fnal.gov`, outFile: '', durationMs: 1, attempt, recovered: false };
    },
  });
  const result = await withStubs(server.env, activities, async () => (await start()).result());
  assert.deepEqual(result.counts, { total: 1, submitted: 1, failed: 0 });
  assert.deepEqual(calls, { makeDag: 9, submitDag: 9 });
  assert.deepEqual(result.exposures[0]!.attempts, { dagmaker: 9, submit: 9 }, 'every call of each activity');
});

test('the progress of a run carries what DAGMaker warned of a submitted exposure', async () => {
  const run = validatedRun([7100, 7101]);
  const NO_TEMPLATES = ['no templates for this exposure', 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL'];
  const activities = stubActivities(run, {
    makeDag: async ({ expnum }) => ({
      dagFile: '',
      outFile: '',
      warnings: expnum === 7101 ? NO_TEMPLATES : [],
      recommendedSubmit: '',
      durationMs: 1,
      attempt: 1,
    }),
  });
  const progress = await withStubs(server.env, activities, async () => {
    const handle = await start();
    await handle.result();
    return handle.query(progressQuery);
  });
  const entry = (expnum: number) => progress.exposures.find((e) => e.expnum === expnum)!;
  assert.equal(entry(7101).state, 'submitted');
  assert.deepEqual(entry(7101).warnings, NO_TEMPLATES);
  assert.equal(entry(7100).warnings, undefined, 'no warnings, no field');
});
