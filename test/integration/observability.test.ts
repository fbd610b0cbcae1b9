/**
 * What an unattended night is watched with: the SDK's Prometheus metrics, served when the worker is
 * given DESGW_METRICS_ADDRESS, and the SDK Core's own logs in the worker's one-line log.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { TASK_QUEUE } from '../../common/contract.js';
import { postProcessingProgressQuery, proceedSignal, proxyRenewedSignal } from '../../common/messages.js';
import type { NotifyEvent } from '../../common/notify.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { postProcessing } from '../../workflows/post-processing.js';
import { devServerForThisFile, eventually, makeSite, spawnWorker } from '../helpers/harness.js';

const server = devServerForThisFile();

test("the worker serves the SDK's Prometheus metrics and logs Core's lines in its one-line log", async () => {
  const site = await makeSite();
  const address = `127.0.0.1:${21000 + (process.pid % 5000)}`;
  const worker = spawnWorker(site, server.env.address, 'worker', {
    DESGW_METRICS_ADDRESS: address,
    DESGW_LOG_LEVEL: 'DEBUG',
  });
  try {
    const metrics = await eventually('the metrics endpoint', async () => {
      const r = await fetch(`http://${address}/metrics`);
      const text = await r.text();
      return r.ok && /^temporal_num_pollers\{.*task_queue="desgw-site"/m.test(text) ? text : null;
    });
    for (const name of ['temporal_num_pollers', 'temporal_worker_task_slots_available']) {
      assert.match(metrics, new RegExp(`^${name}\\{`, 'm'), `${name} is served`);
    }
    assert.match(metrics, /task_queue="desgw-site"/);
    const log = await eventually('a Core line in the log', async () => {
      const text = await readFile(join(site.root, 'worker.log'), 'utf8');
      return /sdkComponent="core"/.test(text) ? text : null;
    });
    for (const line of log.split('\n').filter((l) => l.includes('sdkComponent="core"'))) {
      assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z (TRACE|DEBUG|INFO |WARN |ERROR) /, 'one line, as the rest');
    }
  } finally {
    worker.kill('SIGTERM');
    await worker;
  }
});

test('a run tells DESGW_NOTIFY_COMMAND once when it starts waiting and once when it ends, and nothing of it goes into history', async () => {
  const site = await makeSite();
  const calls = join(site.root, 'notifications.jsonl');
  const recorder = join(site.root, 'notify.sh');
  await writeFile(recorder, `#!/bin/bash\ncat >> '${calls}'\n`);
  await chmod(recorder, 0o755);
  await site.fault('proxy_expired');
  const worker = spawnWorker(site, server.env.address, 'worker', {
    DESGW_NOTIFY_COMMAND: recorder,
    DESGW_PROXY_RECHECK_S: '3600',
  });
  try {
    const handle = await server.env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `notify-${process.pid}`,
      args: [
        { exposureListFile: await site.list('notify.list', [1210470, 1210471]), season: 'auto', maxConcurrent: 1 },
      ],
    });
    await eventually('the waiting notification', async () =>
      (await readFile(calls, 'utf8').catch(() => '')).includes('waiting-for-proxy'),
    );
    await rm(join(site.state, 'faults', 'proxy_expired'));
    await handle.signal(proxyRenewedSignal);
    await handle.result();
    const events = await eventually('the notification of the end', async () => {
      const lines = (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
      const parsed = lines.map((l) => JSON.parse(l) as NotifyEvent);
      return parsed.some((e) => e.status === 'done') ? parsed : null;
    });
    assert.deepEqual(
      events.map((e) => e.status),
      ['waiting-for-proxy', 'done'],
      'once per change',
    );
    assert.equal(events[0]!.workflowId, handle.workflowId);
    assert.match(events[0]!.message ?? '', /proxy/);
    assert.equal(events[1]!.counts?.submitted, 2);
    const history = (await handle.fetchHistory()).events ?? [];
    assert.ok(
      !history.some((e) =>
        JSON.stringify(e.activityTaskScheduledEventAttributes?.activityType ?? '').includes('notif'),
      ),
      'no notification in history',
    );
  } finally {
    worker.kill('SIGTERM');
    await worker;
  }
});

test('a post-processing tells DESGW_NOTIFY_COMMAND once when it starts waiting for the grid, however many polls, and once when it ends', async () => {
  const site = await makeSite();
  const calls = join(site.root, 'notifications.jsonl');
  const recorder = join(site.root, 'notify.sh');
  await writeFile(recorder, `#!/bin/bash\ncat >> '${calls}'\n`);
  await chmod(recorder, 0o755);
  await site.fault('grid_held.1210477');
  const worker = spawnWorker(site, server.env.address, 'worker', { DESGW_NOTIFY_COMMAND: recorder });
  try {
    const run = await server.env.client.workflow.execute(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `notify-run-${process.pid}`,
      args: [
        { exposureListFile: await site.list('pp.list', [1210476, 1210477]), season: 'auto', rc: { WRITEDB: 'on' } },
      ],
    });
    const pp = await server.env.client.workflow.start(postProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: `notify-pp-${process.pid}`,
      args: [{ imageProcessingWorkflowId: run.workflowId, triggerId: 'S240511i', triggerMjd: 60441.37, propid: 'X-1' }],
    });
    await eventually(
      'ten polls of the grid',
      async () => (await pp.query(postProcessingProgressQuery)).grid.polls >= 10,
    );
    await pp.signal(proceedSignal);
    await pp.result();
    const events = await eventually('the notification of the end', async () => {
      const parsed = (await readFile(calls, 'utf8').catch(() => ''))
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as NotifyEvent)
        .filter((e) => e.workflowId === pp.workflowId);
      return parsed.some((e) => e.status === 'done') ? parsed : null;
    });
    assert.deepEqual(
      events.map((e) => e.status),
      ['waiting-for-grid', 'done'],
    );
    assert.match(
      events[0]!.message ?? '',
      /of 2 DAGs finished; looked at .*; to go on now with what has finished: desgw proceed/,
    );
  } finally {
    worker.kill('SIGTERM');
    await worker;
  }
});
