/**
 * `npm run bench:campaign`: an event campaign on a dev server, the sandbox site and the sandbox
 * telescope (a real PostgreSQL): BENCH_EXPOSURES exposures (default 100) inserted into SISPI's
 * exposure table every BENCH_CADENCE_S seconds (default 2), each raw image arriving BENCH_RAW_LAG_S
 * later (default 3), the campaign watching the table (DESGW_EXPOSURE_POLL_S: BENCH_POLL_S, default
 * 1) with post-processing passes. Prints: from a raw image's arrival to its DAGMaker's start (the
 * process, from the sandbox's ledger) and from processable to the child's start (the campaign's own
 * record), p50/p95/max; from a row's insertion to its admission (target: the poll plus a second);
 * the exposure table's queries a minute; the campaign's history events per exposure (all its runs);
 * and its passes. Figures go to bench/campaign-results.json too.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { campaignWorkflowId, type CampaignExposure } from '../common/campaign-contract.js';
import { TASK_QUEUE } from '../common/contract.js';
import { mjdOf, nightOf } from '../common/exposure-admission.js';
import { campaignProgressQuery, closeCampaignUpdate } from '../common/messages.js';
import { DESGW_TRIGGER } from '../common/search-attributes.js';
import { insertExposure, planNight, writeRawImage } from '../scripts/telescope-feeder.js';
import { makeSite, startDevServer } from '../test/helpers/harness.js';
import { startTelescope } from '../test/helpers/telescope.js';
import { REPO_ROOT } from '../workers/config.js';
import { ensureSearchAttributes } from '../workers/search-attributes.js';
import type { eventCampaign } from '../workflows/event-campaign.js';
import { spawnWorker } from './spawn-worker.js';

const n = Number(process.env.BENCH_EXPOSURES ?? 100);
const cadenceS = Number(process.env.BENCH_CADENCE_S ?? 2);
const rawLagS = Number(process.env.BENCH_RAW_LAG_S ?? 3);
const pollS = Number(process.env.BENCH_POLL_S ?? 1);
const PROPID = 'BENCH-0001';

const percentiles = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return { p50: at(0.5), p95: at(0.95), max: s.at(-1) ?? NaN, n: s.length };
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const env = await startDevServer();
const telescope = await startTelescope();
try {
  await ensureSearchAttributes(env.nativeConnection, env.namespace ?? 'default');
  const site = await makeSite();
  const dtsRoot = join(site.root, 'dts');
  const worker = await spawnWorker(site, env.address, {
    DESGW_EXPOSURE_DB_URL: telescope.readerUrl,
    PGPASSFILE: telescope.pgpassFile,
    DESGW_EXPOSURE_POLL_S: String(pollS),
    DESGW_DTS_ROOT: dtsRoot,
    DESGW_RAW_DIRS: '',
    DESGW_PNFS_ROOT: join(site.root, 'site', 'pnfs', 'des', 'persistent', 'gw'),
    DESGW_GRID_POLL_S: '2',
    DESGW_RETRY_INITIAL_S: '0.5',
  });
  // Pointed where the site's S231014r exposures were, in their bands: DAGMaker finds templates.
  const siteRows = (await readFile(join(site.gwDir, 'exposures.list'), 'utf8'))
    .split('\n')
    .map((l) => l.split(/\s+/))
    .filter((f) => /^12104\d\d$/.test(f[0] ?? ''));
  const start = new Date(Date.now() + 5_000);
  const rows = planNight({
    dtsRoot,
    propid: PROPID,
    start,
    cadenceS,
    rawLagS,
    count: n,
    firstExpnum: 5_000_001,
  }).map((r, k) => {
    const like = siteRows[k % siteRows.length]!;
    return { ...r, ra: Number(like[3]), declination: Number(like[4]), filter: like[5]! };
  });
  const triggerId = `SBENCH${process.pid}`;
  const t0 = Date.now();
  const handle = await env.client.workflow.start<typeof eventCampaign>('eventCampaign', {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(triggerId),
    typedSearchAttributes: [{ key: DESGW_TRIGGER, value: triggerId }],
    args: [
      {
        triggerId,
        triggerMjd: mjdOf(new Date(Date.now() - 3600_000).toISOString()),
        propid: PROPID,
        season: 'auto',
        watchDatabase: true,
        rc: { WRITEDB: 'on' },
        postProcessing: {},
      },
    ],
  });

  // The telescope: each row when its shutter opens, its raw image rawLagS later.
  const inserted = new Map<number, number>();
  const rawAt = new Map<number, number>();
  const events = rows
    .flatMap((r) => [
      {
        at: r.date.getTime(),
        go: async () => (await insertExposure(telescope.owner, r), inserted.set(r.id, Date.now())),
      },
      {
        at: r.date.getTime() + rawLagS * 1000,
        go: async () => (
          await writeRawImage(dtsRoot, r.id, nightOf(r.date.toISOString())),
          rawAt.set(r.id, Date.now())
        ),
      },
    ])
    .sort((a, b) => a.at - b.at);
  for (const e of events) {
    await sleep(Math.max(0, e.at - Date.now()));
    await e.go();
  }
  const all = async () => (await handle.query(campaignProgressQuery)).nights.flatMap((x) => x.exposures);
  for (;;) {
    const es = await all();
    if (
      es.length === n &&
      es.every((e) => !['waiting-for-raw-image', 'queued', 'making-dag', 'submitting'].includes(e.state))
    )
      break;
    await sleep(1000);
  }
  const minutes = (Date.now() - t0) / 60_000;
  const progress = await handle.query(campaignProgressQuery);
  await handle.executeUpdate(closeCampaignUpdate, { args: [{ reason: 'bench' }] });
  const result = await handle.result();
  const seconds = (Date.now() - t0) / 1000;
  await worker.stop();

  const byExpnum = new Map<number, CampaignExposure>(
    progress.nights.flatMap((x) => x.exposures).map((e) => [e.expnum, e]),
  );
  const ledger = await site.ledger();
  const dagmakerStart = new Map<number, number>();
  for (const e of ledger)
    if (e.event === 'dagmaker_start' && !dagmakerStart.has(Number(e.expnum)))
      dagmakerStart.set(Number(e.expnum), e.ts * 1000);
  const rawToDagmaker = rows.flatMap((r) => {
    const a = rawAt.get(r.id);
    const b = dagmakerStart.get(r.id);
    return a !== undefined && b !== undefined ? [Math.round(b - a)] : [];
  });
  const processableToChild = [...byExpnum.values()].flatMap((e) => (e.latencyMs !== undefined ? [e.latencyMs] : []));
  const insertToAdmission = rows.flatMap((r) => {
    const a = inserted.get(r.id);
    const seen = byExpnum.get(r.id)?.seenAt;
    return a !== undefined && seen ? [Math.round(Date.parse(seen) - a)] : [];
  });
  // Every execution of the campaign: its events.
  let events_ = 0;
  let runs = 0;
  const byType: Record<string, number> = {};
  for await (const w of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
    const h = await env.client.workflow.getHandle(handle.workflowId, w.runId).fetchHistory();
    events_ += h.events?.length ?? 0;
    runs++;
    for (const e of h.events ?? []) {
      const t = String(e.eventType ?? 'unknown').replace(/^EVENT_TYPE_/, '');
      byType[t] = (byType[t] ?? 0) + 1;
    }
  }
  const report = {
    exposures: n,
    cadenceS,
    rawLagS,
    pollS,
    submitted: result.counts.submitted,
    failed: result.counts.failed,
    rawImageToDagmakerMs: percentiles(rawToDagmaker),
    processableToChildStartMs: percentiles(processableToChild),
    rowInsertToAdmissionMs: percentiles(insertToAdmission),
    tableQueriesPerMinute: Math.round((progress.watcher.polls / minutes) * 10) / 10,
    historyEventsPerExposure: Math.round((events_ / n) * 10) / 10,
    historyEventsByType: Object.fromEntries(Object.entries(byType).sort((a, b) => b[1] - a[1])),
    campaignRuns: runs,
    passes: result.passes.map((p) => ({ exposures: p.exposures, outcome: p.outcome })),
    seconds: Math.round(seconds),
  };
  console.log(JSON.stringify(report, null, 2));
  await writeFile(join(REPO_ROOT, 'bench', 'campaign-results.json'), JSON.stringify(report, null, 2) + '\n');
} finally {
  await telescope.remove();
  await env.teardown();
}
