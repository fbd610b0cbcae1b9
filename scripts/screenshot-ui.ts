/**
 * Screenshots of the Temporal Web UI of a finished run, as an operator sees it: a dev server with
 * its UI, the worker, a run of the sample list; then headless Chromium (Debian's `chromium`,
 * driven by playwright-core) opens the run's history and a child's, checks that the summaries and
 * current details appear, and saves PNGs in docs/screenshots/.
 *
 *   apt-get install chromium && make build && node dist/scripts/screenshot-ui.js
 */
import { Client, Connection } from '@temporalio/client';
import { execa } from 'execa';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { ImageProcessingResult } from '../common/contract.js';
import { REPO_ROOT } from '../workers/config.js';
import { makeSite, temporalCli } from '../test/helpers/harness.js';
import { spawnWorker } from '../bench/spawn-worker.js';
import { startRun } from '../client/start-run.js';
import { startDevArgs } from './dev-server-args.js';

const port = 17233;
const uiPort = 18233;
const out = join(REPO_ROOT, 'docs', 'screenshots');
await mkdir(out, { recursive: true });
const server = execa(await temporalCli(), startDevArgs(port, uiPort), { reject: false });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let worker: Awaited<ReturnType<typeof spawnWorker>> | undefined;
try {
  let connection: Connection | undefined;
  for (let i = 0; !connection; i++) {
    connection = await Connection.connect({ address: `localhost:${port}`, connectTimeout: 1000 }).catch(
      () => undefined,
    );
    if (!connection && i > 60) throw new Error('no dev server');
    if (!connection) await new Promise((r) => setTimeout(r, 1000));
  }
  const client = new Client({ connection });
  const site = await makeSite({ setupSeconds: 0.3, dagmakerMinSeconds: 1, dagmakerMaxSeconds: 2, submitSeconds: 0.1 });
  worker = await spawnWorker(site, `localhost:${port}`);
  const handle = await startRun(client, {
    expList: join(REPO_ROOT, 'sandbox', 'lists', 'demo.list'),
    season: 612,
    rc: { WRITEDB: 'off' },
  });
  const result = (await handle.result()) as ImageProcessingResult;
  const child = `desgw-season-${result.season}-exp-941225`;
  const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
  const shots: [string, string, RegExp[], string?][] = [
    [
      'run-history.png',
      `/namespaces/default/workflows/${handle.workflowId}`,
      [/exposure 941230 \(i, 20200304\), season 612/, /writeOutputs/],
    ],
    [
      'run-metadata.png',
      `/namespaces/default/workflows/${handle.workflowId}`,
      [/DESGW image processing: demo\.list, season 612/, /done · season 612 · 6 of 6 done/],
      'User Metadata',
    ],
    [
      'child-history.png',
      `/namespaces/default/workflows/${child}`,
      [/DAGMaker 941225 \(i, 20200304\)/, /submit 941225/],
    ],
    [
      'runs-by-season.png',
      `/namespaces/default/workflows?query=${encodeURIComponent('DesgwSeason=612')}`,
      [/desgw-season-612-exp-941225/],
    ],
  ];
  for (const [file, path, expected, tab] of shots) {
    await page.goto(`http://localhost:${uiPort}${path}`, { waitUntil: 'networkidle' });
    if (tab) await page.getByText(tab, { exact: true }).first().click();
    await page.waitForTimeout(1500);
    // Summaries and details are rendered as Markdown in frames of their own.
    const frames = await Promise.all(page.frames().map((f) => f.innerText('body').catch(() => '')));
    const text = frames.join('\n');
    await page.screenshot({ path: join(out, file), fullPage: false });
    const missing = expected.filter((re) => !re.test(text));
    console.log(`${file}: ${missing.length === 0 ? 'shows' : 'MISSING'} ${expected.map((r) => r.source).join(', ')}`);
    if (missing.length > 0) process.exitCode = 1;
  }
} finally {
  await browser.close();
  await worker?.stop();
  server.kill('SIGTERM');
  await server;
}
