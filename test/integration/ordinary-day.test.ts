/**
 * An operator's ordinary day breaks no run: the DES machine's worker stopped for a deploy in the
 * middle of post-processing, or while an exposure records its failure; a post-processing cancelled;
 * two runs of a shared test season processing the same exposures at once; a reservation retried.
 * Each is what happens on a normal day at the site, and none may fail a run or mix two runs up. The
 * worker's stop is tested in the production layout (a workflow worker and the DES machine's worker,
 * two processes started as the DES machine runs them); the failure record with the fast tier's stubs.
 */
import { verdictsOf } from '../helpers/verdicts.js';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ExecaError } from 'execa';
import { reserveSeasonWith } from '../../activities/reserve-season.js';
import { LocalSeasonSource } from '../../activities/support/season-source.js';
import {
  DAGMAKER_TASK_QUEUE,
  SEASON_REGISTRY_WORKFLOW_ID,
  SITE_TASK_QUEUE,
  TASK_QUEUE,
} from '../../common/contract.js';
import { Failure } from '../../common/failures.js';
import { postProcessingProgressQuery, progressQuery, type Reservation } from '../../common/messages.js';
import type { PostProcessingProgress } from '../../common/post-processing-contract.js';
import { notifySinks } from '../../workers/notify.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { postProcessing } from '../../workflows/post-processing.js';
import {
  devServerForThisFile,
  eventually,
  FAST,
  makeSite,
  range,
  siteConfig,
  spawnWorker,
  withWorker,
  workflowBundle,
} from '../helpers/harness.js';
import { failure, stubActivities, validatedRun } from '../helpers/stub-activities.js';

const server = devServerForThisFile();
const TRIGGER = { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' };
let counter = 0;
const nextId = (what: string) => `day-${what}-${process.pid}-${++counter}`;

const statusOf = async (handle: WorkflowHandle) =>
  (await handle.describe()).searchAttributes.DesgwStatus?.[0] as string | undefined;
const currentDetails = async (handle: WorkflowHandle) =>
  (await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';

/** Stops a spawned worker as systemd does (SIGTERM, it drains), and waits until it has exited. */
async function stop(worker: ReturnType<typeof spawnWorker>): Promise<void> {
  worker.kill('SIGTERM');
  const ended = await worker;
  assert.ok(!(ended as Partial<ExecaError>).failed || ended.exitCode === 0 || ended.signal === 'SIGTERM');
}

test("a deploy that stops the DES machine's worker during post-processing's grid wait fails nothing: post-processing shows waiting-for-worker (progress, Current Details, DesgwStatus) and it and its run complete once the worker is back", async () => {
  const site = await makeSite({ ...FAST, gridSeconds: 6, postprocSeconds: 0.5 });
  await ensureSearchAttributes(server.env.nativeConnection, server.env.namespace ?? 'default');
  // 1210463 has candidates on the sandbox: the post-processing ends with its candidate page.
  const expnums = range(1210462, 2);
  const list = await site.list('day.list', expnums);
  // As the DES machine runs them: the workflows in one process, the site's activities and DAGMaker in another.
  const flows = spawnWorker(site, server.env.address, 'workflows', { DESGW_WORKER_ROLES: 'workflows' });
  let desMachine = spawnWorker(site, server.env.address, 'des-1', {
    DESGW_WORKER_ROLES: 'site,dagmaker',
    DESGW_SHUTDOWN_GRACE_S: '1',
  });
  try {
    const id = nextId('deploy');
    const run = await server.env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: id,
      args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' }, postProcessing: TRIGGER }],
    });
    const pp = server.env.client.workflow.getHandle<typeof postProcessing>(`${id}-postproc`);
    await eventually(
      'post-processing to wait for the grid',
      async () => (await pp.query(postProcessingProgressQuery)).phase === 'waiting-for-grid',
      120_000,
    );

    // The deploy: the DES machine's worker stops, longer than any task on its queue waits to be started (30 s).
    await stop(desMachine);
    const waiting = await eventually(
      'post-processing to wait for the worker (or to fail, as it did before)',
      async () => {
        const p = await pp.query(postProcessingProgressQuery);
        return p.waitingFor?.what === 'worker' || p.phase === 'failed' ? p : null;
      },
      120_000,
    );
    assert.equal(waiting.phase, 'waiting-for-grid', JSON.stringify(waiting.failure));
    assert.equal(waiting.waitingFor?.what, 'worker');
    assert.match(waiting.waitingFor!.message, /no worker has taken its checkGrid task/);
    assert.equal(await statusOf(pp), 'waiting-for-worker');
    assert.match(await currentDetails(pp), /waiting for worker since/);
    // The run, meanwhile, is still in its post-processing.
    assert.equal((await run.query(progressQuery)).phase, 'post-processing');

    desMachine = spawnWorker(site, server.env.address, 'des-2', { DESGW_WORKER_ROLES: 'site,dagmaker' });
    const result = await run.result();
    assert.equal(result.counts.submitted, expnums.length);
    assert.equal(result.postProcessing?.outcome, 'success', JSON.stringify(result.postProcessing));
    const done = await pp.result();
    assert.equal(done.outcome, 'success');
    assert.ok((await verdictsOf(done)).every((e) => e.finished === 'runend'));
    const after: PostProcessingProgress = await pp.query(postProcessingProgressQuery);
    assert.equal(after.phase, 'done');
    assert.equal(after.waitingFor, undefined);
    assert.equal(await statusOf(pp), 'done');
  } finally {
    await stop(desMachine).catch(() => undefined);
    await stop(flows).catch(() => undefined);
  }
});

test("an exposure whose failure record no worker takes waits for the DES machine's worker (waiting-for-worker, in the run too), and records it once one is back", async () => {
  const run = validatedRun([8000]);
  const recorded: { expnum: number; error: string }[] = [];
  const connection = server.env.nativeConnection;
  const namespace = server.env.namespace ?? 'default';
  await ensureSearchAttributes(connection, namespace);
  let siteWorker: Worker | undefined;
  let siteRunning: Promise<void> | undefined;
  const activities = stubActivities(run, {
    // DAGMaker fails for good just as the DES machine's worker (its site queue) goes away.
    makeDag: async () => {
      siteWorker!.shutdown();
      await siteRunning;
      throw failure(Failure.DagMakerPermanent, 'Cannot proceed without the search image!', true);
    },
    recordFailure: async ({ expnum, error }) => void recorded.push({ expnum, error }),
  });
  const { makeDag, ...siteActivities } = activities;
  const startSite = async () => {
    siteWorker = await Worker.create({ connection, namespace, taskQueue: SITE_TASK_QUEUE, activities: siteActivities });
    siteRunning = siteWorker.run();
  };
  const flows = await Worker.create({
    connection,
    namespace,
    taskQueue: TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    sinks: notifySinks(null),
  });
  const dagmaker = await Worker.create({
    connection,
    namespace,
    taskQueue: DAGMAKER_TASK_QUEUE,
    activities: { makeDag },
  });
  await startSite();
  const running = [flows.run(), dagmaker.run()];
  try {
    const handle = await server.env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: nextId('record'),
      args: [{ exposureListFile: '/stub/night.list', season: 'auto' }],
    });
    const waiting = await eventually(
      'the exposure to wait for a worker to record its failure (or to end, as it did before)',
      async () => {
        const p = await handle.query(progressQuery);
        const state = p.exposures[0]?.state;
        return state === 'waiting-for-worker' || state === 'failed' ? p : null;
      },
      90_000,
    );
    assert.equal(waiting.exposures[0]?.state, 'waiting-for-worker');
    assert.equal(waiting.waitingFor?.what, 'worker');
    assert.match(waiting.waitingFor!.message, /no worker has taken its recordFailure task/);
    assert.equal(await statusOf(handle), 'waiting-for-worker');
    assert.deepEqual(recorded, [], 'nothing recorded while no worker is there');

    await startSite();
    const result = await handle.result();
    assert.deepEqual(result.counts, { total: 1, submitted: 0, failed: 1 });
    assert.match(result.exposures[0]!.error!, /^DAGMaker failed: Cannot proceed without the search image!/);
    assert.deepEqual(recorded, [{ expnum: 8000, error: 'DAGMaker failed: Cannot proceed without the search image!' }]);
  } finally {
    for (const w of [flows, dagmaker, siteWorker]) if (w?.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled([...running, siteRunning]);
  }
});

test('a cancelled post-processing ends cancelled, not failed: its phase, Current Details and DesgwStatus say cancelled', async () => {
  const site = await makeSite({ ...FAST });
  await withWorker(server.env, site, async () => {
    // Exposures no DAG was submitted for: it waits for the grid until it is cancelled.
    const handle = await server.env.client.workflow.start(postProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: nextId('cancel'),
      args: [{ ...TRIGGER, season: 2208, exposures: [{ expnum: 1210400, band: 'i' }] }],
    });
    await eventually(
      'post-processing to wait for the grid',
      async () => (await handle.query(postProcessingProgressQuery)).phase === 'waiting-for-grid',
    );
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('a cancelled post-processing does not complete'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
    assert.equal((await handle.describe()).status.name, 'CANCELLED');
    const p = await handle.query(postProcessingProgressQuery);
    assert.equal(p.phase, 'cancelled');
    assert.equal(p.failure, undefined);
    assert.equal(p.waitingFor, undefined);
    assert.equal(await statusOf(handle), 'cancelled');
    assert.match(await currentDetails(handle), /^\*\*post-processing\*\* cancelled/);
  });
});

test('two runs of a shared test season processing the same exposures at once each start their own children, and both submit every exposure', async () => {
  const site = await makeSite({ ...FAST, dagmakerMinSeconds: 2, dagmakerMaxSeconds: 3 });
  const expnums = range(1210470, 2);
  const list = await site.list('shared.list', expnums);
  const [a, b] = [nextId('shared-a'), nextId('shared-b')];
  const { results, children } = await withWorker(server.env, site, async () => {
    const handles = await Promise.all(
      [a, b].map((workflowId) =>
        server.env.client.workflow.start(imageProcessing, {
          taskQueue: TASK_QUEUE,
          workflowId,
          args: [{ exposureListFile: list, season: 2206 }],
        }),
      ),
    );
    const results = await Promise.all(handles.map((h) => h.result()));
    const children = await Promise.all(
      handles.map(async (h) =>
        ((await h.fetchHistory()).events ?? [])
          .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId)
          .filter((w): w is string => Boolean(w)),
      ),
    );
    return { results, children };
  });
  for (const r of results) {
    assert.equal(r.season, 2206);
    assert.deepEqual(r.counts, { total: 2, submitted: 2, failed: 0 }, JSON.stringify(r.exposures.map((e) => e.error)));
  }
  assert.deepEqual(children, [
    expnums.map((e) => `desgw-season-2206-exp-${e}-of-${a}`),
    expnums.map((e) => `desgw-season-2206-exp-${e}-of-${b}`),
  ]);
  const dagmakers = (await site.ledger()).filter((e) => e.event === 'dagmaker_start');
  assert.equal(dagmakers.length, 4, 'each run made its own DAGs');
});

test('a retried reservation is the same reservation: the registry records one claim, and the retry gets the same answer', async () => {
  const site = await makeSite({ ...FAST });
  const config = siteConfig(site);
  const source = new LocalSeasonSource(join(site.root, 'des_seasons_used.txt'));
  const owner = nextId('reserve');
  const registry = server.env.client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID);
  const claimsOf = async () =>
    ((await registry.fetchHistory()).events ?? []).filter((e) => {
      const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
      const data = accepted?.acceptedRequest?.input?.args?.payloads?.[0]?.data;
      return data && Buffer.from(data).toString('utf8').includes(owner);
    }).length;
  const [first, retried] = await withWorker(server.env, site, async () => {
    const reserve = (): Promise<Reservation> =>
      new MockActivityEnvironment(undefined, { client: server.env.client }).run(reserveSeasonWith, config, source, {
        owner,
        requested: 'auto' as const,
      });
    return [await reserve(), await reserve()];
  });
  assert.deepEqual(retried, first, 'the retry is answered as the reservation was');
  assert.equal(first.alreadyHeld, false);
  assert.equal(await claimsOf(), 1, 'one claim in the registry');
});
