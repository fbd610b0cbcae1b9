/**
 * `make demo-event` (`npm run demo:event`): an event campaign as an operator lives it. A dev server
 * (as `make demo`'s), the sandbox telescope (SISPI's exposure table on a private PostgreSQL) and a
 * worker watching it against the embedded sandbox DES site; one GW event started the way `desgw
 * event start` starts it (WRITEDB=on, the table watched, passes after 3 new exposures); two nights
 * of it played by the telescope (yesterday's replayed, then tonight's, each row's raw image
 * arriving a few seconds after it); what the operator watches (a status line at each change, the
 * per-night table after each night); then `desgw event close --wait`: the passes, the latest
 * candidate page (checked to exist) and the Web UI link. Stops what it started unless KEEP=1.
 *
 * Settings (environment): DESGW_DEMO_EXPOSURES (a night, 5), DESGW_DEMO_CADENCE_S (5),
 * DESGW_DEMO_RAW_LAG_S (5), DESGW_DEMO_EVERY_S (status refresh, 3), DESGW_DEMO_TRIGGER (a new one
 * each run), and as `make demo`: DESGW_DEMO_PORT, DESGW_DEMO_UI_PORT, DESGW_DEMO_DB, KEEP.
 */
import type { Client } from '@temporalio/client';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CampaignProgress } from '../common/campaign-contract.js';
import { mjdOf } from '../common/exposure-admission.js';
import { campaignProgressQuery } from '../common/messages.js';
import { connectClient } from '../client/connection.js';
import { awaitCampaign, campaignStatus, closeCampaign, startCampaign } from '../client/event.js';
import { campaignInput, type CampaignFlags } from '../client/event-input.js';
import { countsLine, formatCloseAnswer, formatStarted } from '../client/event-report.js';
import { webUiLink } from '../client/start-run.js';
import { REPO_ROOT } from '../workers/config.js';
import { ensureSandboxSite } from '../workers/sandbox-site.js';
import { demoServer, ensureDevServer, Started, startSandboxWorker, untilWorkerServes } from './demo-support.js';
import { planDemoNight, playNight } from './demo-night.js';
import { startDemoTelescope, type DemoTelescope } from './demo-telescope.js';
import { connectOwner } from './telescope-feeder.js';

const setting = (name: string, fallback: number, min: number): number => {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of at least ${min}, not '${raw}'`);
  return n;
};

const server = demoServer();
const keep = process.env.KEEP === '1';
const started = new Started();
const began = Date.now();
const say = (line: string) => console.log(line);
const HOUR_MS = 3600_000;
/** The demo's proposal id: a stand-in (the campaign takes only its rows). */
const PROPID = 'DEMO-EVENT';
/** What an exposure ends its way through the campaign in (its DAG may still run on the grid). */
const SETTLED = new Set(['submitted', 'grid-finished', 'failed', 'cancelled']);
let telescope: DemoTelescope | undefined;
// Ctrl-C (or a SIGTERM) stops everything the demo started, the telescope too (its server is a daemon
// of its own). The handler stays installed (process.on): execa's clean-up re-raises a signal it finds
// no other handler for, which would end the demo before the telescope is stopped; a second signal
// ends it at once.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`\n${signal}: stopping the worker, the dev server and the telescope`);
    void started
      .stopAll()
      .then(() => telescope?.remove())
      .finally(() => process.exit(130));
  });

try {
  const count = setting('DESGW_DEMO_EXPOSURES', 5, 1);
  const cadenceS = setting('DESGW_DEMO_CADENCE_S', 5, 0);
  const rawLagS = setting('DESGW_DEMO_RAW_LAG_S', 5, 0);
  const everyMs = setting('DESGW_DEMO_EVERY_S', 3, 0.2) * 1000;
  const now = new Date();
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(2, 15).replace('T', 'demo');
  const triggerId = process.env.DESGW_DEMO_TRIGGER || `S${stamp}`;

  await ensureDevServer(server, started);
  // The site first: the nights are pointed where its S231014r exposures were.
  const gwDir = await ensureSandboxSite(join(REPO_ROOT, '.site'));
  const siteList = await readFile(join(gwDir, 'exposures.list'), 'utf8');
  const dtsRoot = join(REPO_ROOT, '.site', 'pnfs', 'des', 'scratch', 'gw', 'dts');

  telescope = await startDemoTelescope();
  process.env.PGPASSFILE = telescope.pgpassFile;
  say(`the sandbox telescope: decam_prd on 127.0.0.1:${telescope.port} (passwords in ${telescope.pgpassFile})`);

  await mkdir(join(REPO_ROOT, '.demo'), { recursive: true });
  const workerLog = join(REPO_ROOT, '.demo', `${triggerId}-worker.log`);
  say(
    `starting the worker (npm run worker) against the sandbox DES site in .site/, watching the telescope; its log: ${workerLog}`,
  );
  const worker = startSandboxWorker(
    server,
    started,
    {
      DESGW_EXPOSURE_DB_URL: telescope.readerUrl,
      PGPASSFILE: telescope.pgpassFile,
      DESGW_EXPOSURE_POLL_S: '1',
      DESGW_DTS_ROOT: dtsRoot,
      // The grid's results looked for every 2 s (60 s by default).
      DESGW_GRID_POLL_S: '2',
      // The sandbox site stands for one DES machine: its passes take turns with its own, not another checkout's.
      DESGW_POSTPROC_LOCK: join(REPO_ROOT, '.site', 'desgw-postproc.lock'),
    },
    workerLog,
  );
  await untilWorkerServes(worker, workerLog);

  const client = await connectClient(server.env);
  // Two nights: yesterday's (its rows dated 24 h back, replayed now) and tonight's; the trigger an hour before the first.
  const firstNightFrom = new Date(now.getTime() - 24 * HOUR_MS);
  const flags: CampaignFlags = {
    triggerMjd: Number(mjdOf(new Date(firstNightFrom.getTime() - HOUR_MS).toISOString()).toFixed(5)),
    propid: PROPID,
    season: 'auto',
    watchDatabase: true,
    set: { WRITEDB: 'on' },
    passMinNew: 3,
  };
  say(
    `\n$ desgw event start ${triggerId} --trigger-mjd ${flags.triggerMjd} --propid ${PROPID} --season auto ` +
      `--watch-database --set WRITEDB=on --pass-min-new 3`,
  );
  const handle = await startCampaign(client, campaignInput(triggerId, flags));
  const ui = webUiLink(handle.workflowId, handle.firstExecutionRunId, 'default', server.env);
  say(formatStarted(triggerId, handle.workflowId, ui));

  const watching = watchStatus(client, handle.workflowId, everyMs);
  const owner = await connectOwner(telescope.ownerUrl);
  try {
    const nights = [
      { title: "night 1 (yesterday's, replayed: its rows are dated 24 h back)", datedFrom: firstNightFrom },
      { title: "night 2 (tonight's)", datedFrom: undefined },
    ];
    let firstExpnum = 1_500_001;
    for (const [k, night] of nights.entries()) {
      const plan = { propid: PROPID, count, cadenceS, rawLagS, firstExpnum, datedFrom: night.datedFrom ?? new Date() };
      firstExpnum += count;
      const rows = planDemoNight(plan, siteList);
      say(`\n${night.title}: ${count} exposure(s), one every ${cadenceS} s, each raw image ${rawLagS} s after its row`);
      await playNight(owner, dtsRoot, rows, plan, say);
      await untilSettled(
        client,
        handle.workflowId,
        rows.map((r) => r.id),
        everyMs,
      );
      say(`\nnight ${k + 1} is through DAGMaker and submission:\n\n$ desgw event status ${triggerId}`);
      say((await campaignStatus(client, triggerId)).text);
    }
  } finally {
    await owner.end().catch(() => undefined);
    watching.stop();
  }

  const reason = 'the second night is done';
  say(`\n$ desgw event close ${triggerId} --reason "${reason}" --wait`);
  const closed = await closeCampaign(client, triggerId, reason);
  if ('answer' in closed) say(formatCloseAnswer(triggerId, handle.workflowId, closed.answer));
  const code = await awaitCampaign(client, triggerId, process.stdout, everyMs);
  const result = await handle.result();
  const page = result.latestPage;
  const size = page
    ? await stat(page).then(
        (s) => s.size,
        () => null,
      )
    : null;
  say('');
  if (page && size !== null) say(`the latest candidate page: ${page} (${size} bytes)`);
  else say(`no latest candidate page${page ? `: ${page} is not there` : ''}`);
  if (ui) say(`Web UI of this campaign: ${ui}`);
  say(`the demo took ${Math.round((Date.now() - began) / 1000)} s; the worker's log: ${workerLog}`);
  if (code !== 0 || size === null) process.exitCode = 1;
  if (keep) {
    say(`\nKEEP=1: the dev server, the worker and the telescope (${telescope.dir}) keep running; Ctrl-C stops them.`);
    await started.untilEnded();
  }
} catch (err) {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await started.stopAll();
  if (telescope && !keep) await telescope.remove();
}

/**
 * What the operator sees change: one line (time, phase, season, counts by state, the watcher's
 * rows, the passes) each time it changes, looked at every `everyMs`.
 */
function watchStatus(client: Client, workflowId: string, everyMs: number): { stop(): void } {
  const handle = client.workflow.getHandle(workflowId);
  let stopped = false;
  let last = '';
  void (async () => {
    while (!stopped) {
      const p = await handle.query(campaignProgressQuery).catch(() => null);
      const line = p ? statusLine(p) : '';
      if (line && line !== last && !stopped) say(`${new Date().toISOString().slice(11, 19)} ${line}`);
      last = line || last;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    stop: () => {
      stopped = true;
    },
  };
}

function statusLine(p: CampaignProgress): string {
  const total = p.nights.reduce((n, night) => n + night.exposures.length, 0);
  const last = p.passes.at(-1);
  return (
    `${p.phase}${p.season !== undefined ? `, season ${p.season}` : ''}: ${total} exposure(s)` +
    `${total > 0 ? `: ${countsLine(p.counts)}` : ''}; nights ${p.nights.map((n) => n.nite).join(' ') || '-'}` +
    `; passes ${p.passes.length}${last ? ` (pass ${p.passes.length} ${last.outcome})` : ''}` +
    (p.waitingFor ? `; waiting for ${p.waitingFor.what}` : '')
  );
}

/** Waits until each of `expnums` is the campaign's and through DAGMaker and submission (3 min at most). */
async function untilSettled(client: Client, workflowId: string, expnums: number[], everyMs: number): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const until = Date.now() + 180_000;
  for (;;) {
    const p = await handle.query(campaignProgressQuery).catch(() => null);
    const states = new Map(p?.nights.flatMap((n) => n.exposures.map((e) => [e.expnum, e.state] as const)) ?? []);
    if (expnums.every((x) => SETTLED.has(states.get(x) ?? ''))) return;
    if (Date.now() > until)
      throw new Error(
        `${workflowId}: exposures not through submission after 3 min (${expnums.map((x) => `${x} ${states.get(x) ?? 'not seen'}`).join(', ')})`,
      );
    await new Promise((r) => setTimeout(r, Math.min(everyMs, 1000)));
  }
}
