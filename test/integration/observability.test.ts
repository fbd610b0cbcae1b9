/**
 * What an unattended night is watched with: the SDK's Prometheus metrics, served when the worker is
 * given DESGW_METRICS_ADDRESS, and the SDK Core's own logs in the worker's one-line log.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
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
