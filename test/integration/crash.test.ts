/**
 * Our own crashes: a worker killed with SIGKILL mid-run (and one in the window between a
 * submission and its record), and a dev server restarted on its database file mid-run.
 * Each run must complete with every exposure submitted exactly once and five DAGMakers at most.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { execa, type ResultPromise } from 'execa';
import { createWorkers, runWorkers } from '../../workers/create.js';
import { LocalSeasonSource } from '../../activities/support/season-source.js';
import type { ImageProcessingResult } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { DEV_SERVER_ARGS } from '../../scripts/dev-server-args.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import {
  dagmakerIntervals,
  eventually,
  makeSite,
  maxOverlap,
  processAlive,
  FAST,
  quietRuntime,
  siteConfig,
  spawnWorker,
  startDevServer,
  temporalCli,
  workflowBundle,
  type Site,
  range,
} from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';

async function assertExactlyOnce(site: Site, expnums: number[], result: ImageProcessingResult): Promise<void> {
  const events = await site.ledger();
  for (const e of expnums)
    assert.equal(events.filter((x) => x.event === 'submit' && Number(x.expnum) === e).length, 1, `submissions of ${e}`);
  for (const x of result.exposures)
    assert.equal(
      x.jobId,
      events.find((e) => e.event === 'submit' && Number(e.expnum) === x.expnum)?.jobid,
      `job id of ${x.expnum}`,
    );
  assert.ok(maxOverlap(dagmakerIntervals(events)) <= 5, 'never more than five DAGMakers at once');
  const pids = events.filter((e) => e.event === 'dagmaker_start').map((e) => Number(e.pid));
  await eventually('no DAGMaker left running', async () => pids.every((p) => !processAlive(p)), 15_000);
}

test('a worker killed mid-run (even between a submission and its record) is replaced and the run completes', async () => {
  const env = await startDevServer();
  const site = await makeSite({ setupSeconds: 0.2, dagmakerMinSeconds: 2, dagmakerMaxSeconds: 3, submitSeconds: 0.1 });
  const expnums = range(1210450, 12);
  // The submission of 1210452 is recorded by jobsub, then the command lingers: the worker dies in that window.
  await site.fault('submit_slow_after_record.1210452', '20');
  const list = await site.list('crash.list', expnums);
  const first = spawnWorker(site, env.address, 'worker-1');
  let second: ResultPromise | undefined;
  try {
    const handle = await env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `crash-${process.pid}`,
      args: [{ exposureListFile: list, season: 'auto' }],
    });
    await eventually(
      'the submission of 1210452 to be recorded by jobsub',
      async () => (await site.ledger()).some((e) => e.event === 'submit' && Number(e.expnum) === 1210452),
      90_000,
    );
    first.kill('SIGKILL');
    await first;
    const killedAt = Date.now() / 1000;
    second = spawnWorker(site, env.address, 'worker-2');
    const result = await handle.result();
    assert.equal(result.counts.submitted, expnums.length, JSON.stringify(result.exposures.filter((e) => e.error)));
    await assertExactlyOnce(site, expnums, result);
    // Its submission was let finish after the kill: the job id came from its output, and the result says so.
    assert.equal(
      result.exposures.find((e) => e.expnum === 1210452)?.recovered,
      true,
      'the submission cut off by the kill is flagged recovered',
    );
    const restartedAt = (await site.ledger()).find((e) => e.event === 'dagmaker_start' && e.ts > killedAt + 1)?.ts;
    assert.ok(
      restartedAt !== undefined && restartedAt - killedAt < 90,
      `work resumed ${restartedAt && (restartedAt - killedAt).toFixed(0)} s after the kill`,
    );
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
    await second;
    await env.teardown();
  }
});

test('a dev server restarted on its database file mid-run: the run completes', async () => {
  quietRuntime();
  const site = await makeSite({
    setupSeconds: 0.2,
    dagmakerMinSeconds: 1,
    dagmakerMaxSeconds: 1.5,
    submitSeconds: 0.1,
  });
  const cli = await temporalCli();
  const port = 17000 + (process.pid % 2000);
  const address = `127.0.0.1:${port}`;
  const dbFile = join(site.root, 'temporal.db');
  const server = () =>
    execa(
      cli,
      [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--http-port',
        String(port + 1),
        '--metrics-port',
        String(port + 2),
        '--db-filename',
        dbFile,
        '--log-level',
        'error',
        ...DEV_SERVER_ARGS,
      ],
      { reject: false },
    );
  let srv = server();
  const up = () =>
    eventually(
      'the dev server',
      async () => Connection.connect({ address, connectTimeout: 1000 }).then((c) => c.close().then(() => true)),
      60_000,
      500,
    );
  await up();
  const connection = await NativeConnection.connect({ address });
  await ensureSearchAttributes(connection, 'default');
  const client = new Client({ connection: await Connection.connect({ address }) });
  const workers = await createWorkers({
    connection,
    namespace: 'default',
    config: siteConfig(site),
    seasons: new LocalSeasonSource(join(site.root, 'des_seasons_used.txt')),
    workflowBundle: await workflowBundle(),
  });
  const running = runWorkers(workers);
  try {
    const expnums = range(1210465, 10);
    const handle = await client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `server-restart-${process.pid}`,
      args: [{ exposureListFile: await site.list('restart.list', expnums), season: 'auto' }],
    });
    await eventually(
      'three submissions',
      async () => (await site.ledger()).filter((e) => e.event === 'submit').length >= 3,
      60_000,
    );
    srv.kill('SIGTERM');
    await srv;
    await new Promise((r) => setTimeout(r, 2000));
    srv = server();
    await up();
    const result = await handle.result();
    assert.equal(result.counts.submitted, expnums.length, JSON.stringify(result.exposures.filter((e) => e.error)));
    await assertExactlyOnce(site, expnums, result);
  } finally {
    for (const w of workers) w.shutdown();
    await running.catch(() => undefined);
    await connection.close();
    srv.kill('SIGTERM');
    await srv;
  }
});

test('a run_postproc.py left running by a worker that died is stopped when a worker starts, so it cannot hold the checkout for good', async () => {
  const env = await startDevServer();
  const site = await makeSite({ ...FAST, gridSeconds: 0.3, postprocSeconds: 0.5 });
  await site.fault('postproc_hang');
  const list = await site.list('leftover.list', [1210470]);
  const first = spawnWorker(site, env.address, 'worker-pp-1');
  let second: ResultPromise | undefined;
  try {
    const handle = await env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `leftover-${process.pid}`,
      args: [
        {
          exposureListFile: list,
          season: 'auto',
          rc: { WRITEDB: 'on' },
          postProcessing: { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' },
        },
      ],
    });
    const started = await eventually(
      'run_postproc.py to hang in forced photometry',
      async () => (await site.ledger()).find((e) => e.event === 'postproc_start'),
      120_000,
    );
    first.kill('SIGKILL');
    await first;
    assert.ok(processAlive(Number(started.pid)), 'the pass outlived its worker (its own process group)');
    second = spawnWorker(site, env.address, 'worker-pp-2');
    await eventually('the leftover pass to be stopped', async () => !processAlive(Number(started.pid)), 30_000);
    await handle.terminate('test over');
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
    await second?.catch(() => undefined);
    await env.teardown();
  }
});
