/**
 * Event campaigns end to end: a real dev server, the real worker and activities, the sandbox site,
 * and the sandbox telescope (SISPI's exposure table on a real PostgreSQL, raw images dropped into
 * the DTS directory later). One GW event, its exposures as the telescope makes them, by the
 * table's watcher and by hand, under one season, processed once each, in passes, closed.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { EventCampaignInput, CampaignProgress } from '../../common/campaign-contract.js';
import { campaignWorkflowId } from '../../common/campaign-contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { mjdOf, nightOf } from '../../common/exposure-admission.js';
import { addExposuresUpdate, campaignProgressQuery, closeCampaignUpdate } from '../../common/messages.js';
import { DESGW_TRIGGER } from '../../common/search-attributes.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { insertExposure, planNight, writeRawImage } from '../../scripts/telescope-feeder.js';
import type { eventCampaign } from '../../workflows/event-campaign.js';
import {
  devServerForThisFile,
  eventually,
  makeSite,
  type Overrides,
  type Site,
  spawnWorker,
  withWorker,
} from '../helpers/harness.js';
import { startTelescope, type Telescope } from '../helpers/telescope.js';

const server = devServerForThisFile();
/** Each test's event has its own proposal: a watcher sees no other test's rows. */
let propid = '2026B-0700';
let telescope: Telescope;
let nextExpnum = 1_400_000;
let triggers = 0;

before(async () => {
  telescope = await startTelescope();
});
after(async () => {
  await telescope?.remove();
});

/** A new trigger (each test its own event), its MJD an hour ago. */
function trigger(): Pick<EventCampaignInput, 'triggerId' | 'triggerMjd' | 'propid'> {
  return {
    triggerId: `S26${process.pid % 1000}${String.fromCharCode(97 + (triggers++ % 26))}x${triggers}`,
    triggerMjd: mjdOf(new Date(Date.now() - 3600_000).toISOString()),
    propid: (propid = `2026B-07${String(triggers).padStart(2, '0')}`),
  };
}

/** The worker's settings for a campaign: the telescope's table, polled twice a second, and its DTS. */
function campaignSettings(site: Site, more: Overrides = {}): Overrides {
  return {
    checkProxy: false,
    exposureDbUrl: telescope.readerUrl,
    exposurePollS: 0.5,
    dtsRoot: join(site.root, 'dts'),
    rawDirs: [],
    ...more,
  };
}

/**
 * `count` exposures of tonight's, as the telescope takes them (rows now; no raw image yet). With
 * `site`, each is pointed where one of the site's S231014r exposures was (from 1210400 on), in its
 * band, so that DAGMaker finds templates and the grid's results pass.
 */
function night(count: number, site?: Site, siteList?: string) {
  const first = nextExpnum;
  nextExpnum += count;
  const rows = planNight({
    dtsRoot: '',
    propid,
    start: new Date(Date.now() - 60_000),
    cadenceS: 1,
    rawLagS: 0,
    count,
    firstExpnum: first,
  });
  if (!site || !siteList) return rows;
  const lines = new Map(siteList.split('\n').map((l) => [l.split(/\s+/)[0], l.split(/\s+/)] as const));
  return rows.map((r, k) => {
    const like = lines.get(String(1210400 + k))!;
    return { ...r, ra: Number(like[3]), declination: Number(like[4]), filter: like[5]! };
  });
}

async function startCampaign(input: EventCampaignInput): Promise<WorkflowHandle<typeof eventCampaign>> {
  return server.env.client.workflow.start<typeof eventCampaign>('eventCampaign', {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(input.triggerId),
    args: [input],
    typedSearchAttributes: [{ key: DESGW_TRIGGER, value: input.triggerId }],
  });
}

const progressOf = (h: WorkflowHandle) => h.query(campaignProgressQuery);
const exposuresOf = (p: CampaignProgress) => p.nights.flatMap((n) => n.exposures);

test('an exposure the watcher sees waits for its raw image, then starts DAGMaker within a second, from the campaign’s own exposures.list; hand-added duplicates are answered with their state; closing finishes it under one season', async () => {
  const site = await makeSite();
  const settings = campaignSettings(site);
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const handle = await startCampaign({ ...t, season: 'auto', watchDatabase: true });
      const rows = night(3);
      for (const r of rows) await insertExposure(telescope.owner, r);
      // Seen and admitted by the watcher; nothing starts without the raw image.
      await eventually('the three rows admitted', async () => {
        const p = await progressOf(handle);
        return exposuresOf(p).length === 3 && p;
      });
      const waiting = await progressOf(handle);
      assert.deepEqual(
        exposuresOf(waiting).map((e) => [e.expnum, e.state, e.via]),
        rows.map((r) => [r.id, 'waiting-for-raw-image', 'watcher']),
      );
      // The same exposures by hand: duplicates, with their state.
      const dup = await handle.executeUpdate(addExposuresUpdate, { args: [{ exposures: [rows[0]!.id, rows[0]!.id] }] });
      assert.deepEqual(dup, {
        accepted: [],
        duplicates: [{ expnum: rows[0]!.id, state: 'waiting-for-raw-image' }],
        refused: [],
      });

      for (const r of rows) await writeRawImage(settings.dtsRoot!, r.id, nightOf(r.date.toISOString()));
      const submitted = await eventually(
        'all three submitted',
        async () => {
          const p = await progressOf(handle);
          return exposuresOf(p).every((e) => e.state === 'submitted' || e.state === 'grid-finished') && p;
        },
        120_000,
      );
      for (const e of exposuresOf(submitted)) {
        assert.ok(
          e.latencyMs !== undefined && e.latencyMs < 1000,
          `exposure ${e.expnum}: ${e.latencyMs} ms from its raw image to DAGMaker`,
        );
        assert.match(e.jobId ?? '', /@jobsub/);
      }
      const season = submitted.season!;
      const closed = await handle.executeUpdate(closeCampaignUpdate, { args: [{ reason: 'the event is done' }] });
      assert.equal(closed.alreadyClosed, false);
      const again = await handle.executeUpdate(closeCampaignUpdate, { args: [{}] });
      assert.equal(again.alreadyClosed, true);
      const result = await handle.result();
      assert.equal(result.season, season);
      assert.equal(result.counts.total, 3);
      assert.equal(result.counts.failed, 0);
      assert.equal(result.closedBecause, 'the event is done');

      // Each exposure made and submitted once, under the campaign's season, from its own list.
      const ledger = await site.ledger();
      for (const r of rows) {
        assert.equal(ledger.filter((e) => e.event === 'dagmaker_start' && Number(e.expnum) === r.id).length, 1);
        assert.equal(ledger.filter((e) => e.event === 'submit' && Number(e.expnum) === r.id).length, 1);
      }
      assert.ok(ledger.filter((e) => e.event === 'dagmaker_start').every((e) => String(e.season) === String(season)));
      assert.equal(ledger.filter((e) => e.event === 'get_exposure_info').length, 0);
      const runList = await readFile(join(result.runDir, 'exposures.list'), 'utf8');
      const siteList = await readFile(join(site.gwDir, 'exposures.list'), 'utf8');
      for (const r of rows) {
        assert.match(runList, new RegExp(`^${r.id} `, 'm'));
        assert.doesNotMatch(siteList, new RegExp(`^${r.id} `, 'm'));
      }
      const outputTxt = await readFile(result.outputFiles.outputTxt, 'utf8');
      assert.match(outputTxt, new RegExp(`${rows[0]!.id}`));
    },
    settings,
  );
});

test('a hand-added exposure is refused with its reason when it is not the event’s (another proposal, too short, before the trigger, unknown), and accepted with a warning where post-processing would drop it', async () => {
  const site = await makeSite();
  const settings = campaignSettings(site);
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const handle = await startCampaign({ ...t, season: 'auto' });
      const [ok, otherProgram, otherPropid, short, early] = night(5);
      const rows = [
        ok!,
        { ...otherProgram!, program: 'survey-not-ours' },
        { ...otherPropid!, propid: '2026B-0001' },
        { ...short!, exptime: 20 },
        { ...early!, date: new Date(Date.now() - 2 * 3600_000) },
      ];
      for (const r of rows) await insertExposure(telescope.owner, r);
      const unknown = ++nextExpnum;
      const answer = await handle
        .executeUpdate(addExposuresUpdate, { args: [{ exposures: [...rows.map((r) => r.id), unknown] }] })
        .catch((err: Error) => {
          throw new Error(
            `addExposures failed: ${err.message}: ${(err.cause as Error | undefined)?.message}: ${((err.cause as Error | undefined)?.cause as Error | undefined)?.message}`,
          );
        });
      assert.deepEqual(
        answer.accepted.map((a) => [a.expnum, a.warning !== undefined]),
        [
          [ok!.id, false],
          [otherProgram!.id, true],
        ],
      );
      assert.match(answer.accepted[1]!.warning!, /survey-not-ours/);
      const refused = new Map(answer.refused.map((r) => [r.expnum, r.reason]));
      assert.match(refused.get(otherPropid!.id)!, /2026B-0001/);
      assert.match(refused.get(short!.id)!, /exptime/);
      assert.match(refused.get(early!.id)!, /trigger/);
      assert.match(refused.get(unknown)!, /not in SISPI's exposure table/);
      // A closed campaign takes no more: the Update is rejected, and nothing is written to its history.
      await handle.executeUpdate(closeCampaignUpdate, { args: [{}] });
      await assert.rejects(
        handle.executeUpdate(addExposuresUpdate, { args: [{ exposures: [ok!.id + 100] }] }),
        (err: Error) => {
          assert.match(causes(err), /was closed at .*takes no more exposures/);
          return true;
        },
      );
      await handle.terminate('the test is done');
    },
    settings,
  );
});

test('one campaign keeps one season for the exposures of every night; a second campaign for the same trigger is refused, naming the first', async () => {
  const site = await makeSite();
  const settings = campaignSettings(site);
  await withWorker(
    server.env,
    site,
    async () => {
      const t = { ...trigger(), triggerMjd: mjdOf(new Date(Date.now() - 30 * 3600_000).toISOString()) };
      const first = await startCampaign({ ...t, season: 'auto' });
      // Two nights of the event: last night's exposure and tonight's.
      const [lastNight, tonight] = night(2);
      lastNight!.date = new Date(Date.now() - 26 * 3600_000);
      for (const r of [lastNight!, tonight!]) {
        await insertExposure(telescope.owner, r);
        await writeRawImage(settings.dtsRoot!, r.id, nightOf(r.date.toISOString()));
      }
      await first.executeUpdate(addExposuresUpdate, { args: [{ exposures: [lastNight!.id] }] });
      await first.executeUpdate(addExposuresUpdate, { args: [{ exposures: [tonight!.id] }] });

      const second = await server.env.client.workflow.start<typeof eventCampaign>('eventCampaign', {
        taskQueue: TASK_QUEUE,
        workflowId: `${campaignWorkflowId(t.triggerId)}-again`,
        args: [{ ...t, season: 'auto' }],
      });
      await assert.rejects(second.result(), (err: Error) => {
        assert.match(
          causes(err),
          new RegExp(`trigger ${t.triggerId} already has a campaign: ${campaignWorkflowId(t.triggerId)}`),
        );
        return true;
      });

      await first.executeUpdate(closeCampaignUpdate, { args: [{}] });
      const result = await first.result();
      assert.deepEqual(
        result.nites,
        [lastNight, tonight].map((r) => nightOf(r!.date.toISOString())),
      );
      assert.notEqual(result.nites[0], result.nites[1]);
      const ledger = await site.ledger();
      const seasons = ledger
        .filter((e) => e.event === 'dagmaker_start')
        .map((e) => [Number(e.expnum), String(e.season)])
        .sort((a, b) => Number(a[0]) - Number(b[0]));
      assert.deepEqual(seasons, [
        [lastNight!.id, String(result.season)],
        [tonight!.id, String(result.season)],
      ]);
    },
    settings,
  );
});

/** Every message of an error and its causes, on one line. */
function causes(err: unknown): string {
  const out: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) out.push(e.message);
  return out.join(' ← ');
}

test('post-processing runs in passes over every finished exposure so far, from step 0 in a fresh directory each, the last after closing; a stable path points at the newest page', async () => {
  const site = await makeSite();
  const settings = campaignSettings(site);
  await withWorker(
    server.env,
    site,
    async () => {
      const t = trigger();
      const handle = await startCampaign({
        ...t,
        season: 'auto',
        rc: { WRITEDB: 'on' },
        watchDatabase: true,
        postProcessing: { passPolicy: { minNew: 2 } },
      });
      const rows = night(3, site, await readFile(join(site.gwDir, 'exposures.list'), 'utf8'));
      // Two now, the third once the first pass has run: it is new for the last pass.
      for (const r of rows.slice(0, 2)) {
        await insertExposure(telescope.owner, r);
        await writeRawImage(settings.dtsRoot!, r.id, nightOf(r.date.toISOString()));
      }
      const first = await eventually(
        'a first pass',
        async () => {
          const p = await progressOf(handle);
          return p.passes.find((x) => x.outcome !== 'running');
        },
        180_000,
      );
      assert.equal(first.exposures, 2);
      await insertExposure(telescope.owner, rows[2]!);
      await writeRawImage(settings.dtsRoot!, rows[2]!.id, nightOf(rows[2]!.date.toISOString()));
      await eventually('the third exposure submitted', async () => {
        const p = await progressOf(handle);
        const e = exposuresOf(p).find((x) => x.expnum === rows[2]!.id);
        return (e?.state === 'submitted' || e?.state === 'grid-finished') && p;
      });
      await handle.executeUpdate(closeCampaignUpdate, { args: [{ reason: 'done' }] });
      const result = await handle.result();
      const last = result.passes.at(-1)!;
      assert.ok(result.passes.length >= 2, JSON.stringify(result.passes));
      assert.equal(last.exposures, 3);
      assert.ok(
        result.passes.every((p) => p.outcome === 'success'),
        JSON.stringify(result.passes),
      );
      // Each pass its own output directory; the stable path is the last one's page.
      assert.equal(new Set(result.passes.map((p) => p.outputDir)).size, result.passes.length);
      assert.equal(result.latestPage, join(result.runDir, 'latest', 'index.html'));
      const latest = await readFile(result.latestPage!, 'utf8');
      const lastPage = await readFile(last.page!, 'utf8');
      assert.equal(latest, lastPage);
    },
    settings,
  );
});

test('the same EXPNUM from the watcher and three hand adds, across a forced continue-as-new and a SIGKILL of the worker, is processed once; the database going away shows waiting-for-database and loses no row', async () => {
  const site = await makeSite();
  const dtsRoot = join(site.root, 'dts');
  const address = server.env.address;
  await ensureSearchAttributes(server.env.nativeConnection, server.env.namespace ?? 'default');
  const workerEnv = {
    DESGW_EXPOSURE_DB_URL: telescope.readerUrl,
    PGPASSFILE: telescope.pgpassFile,
    DESGW_EXPOSURE_POLL_S: '0.5',
    DESGW_DTS_ROOT: dtsRoot,
    DESGW_RAW_DIRS: '',
    DESGW_CHECK_PROXY: '0',
    // A small history: the campaign continues as new within the test.
    DESGW_HISTORY_EVENT_LIMIT: '80',
    // The table re-checked every second while it is away (a site re-checks every two minutes, or on retry-now).
    DESGW_OUTAGE_RECHECK_S: '1',
    DESGW_OUTAGE_RECHECK_MAX_S: '2',
  };
  let worker = spawnWorker(site, address, 'campaign-a', workerEnv);
  try {
    const t = trigger();
    const handle = await startCampaign({ ...t, season: 'auto', watchDatabase: true });
    const rows = night(6);
    const [x, ...others] = rows;
    const nite = nightOf(x!.date.toISOString());
    // Others processed at once: their events carry the campaign past its history limit.
    for (const r of others) {
      await insertExposure(telescope.owner, r);
      await writeRawImage(dtsRoot, r.id, nite);
    }
    await insertExposure(telescope.owner, x!);
    const addX = () => handle.executeUpdate(addExposuresUpdate, { args: [{ exposures: [x!.id] }] });
    await eventually('x seen by the watcher', async () => {
      const p = await progressOf(handle);
      return exposuresOf(p).some((e) => e.expnum === x!.id && e.via === 'watcher');
    });
    assert.deepEqual((await addX()).duplicates, [{ expnum: x!.id, state: 'waiting-for-raw-image' }]);
    const continued = await eventually(
      'a continue-as-new',
      async () => {
        const p = await progressOf(handle);
        return p.continuedAsNew > 0 && p;
      },
      120_000,
    ).catch(async (err: Error) => {
      const d = await handle.describe();
      throw new Error(`${err.message}: history ${d.historyLength}; ${JSON.stringify(await progressOf(handle))}`);
    });
    assert.equal(exposuresOf(continued).filter((e) => e.expnum === x!.id).length, 1);
    assert.deepEqual((await addX()).duplicates, [{ expnum: x!.id, state: 'waiting-for-raw-image' }]);

    // The worker dies; the database goes away; a row comes in while it is away.
    worker.kill('SIGKILL');
    await worker;
    await telescope.stop();
    worker = spawnWorker(site, address, 'campaign-b', workerEnv);
    const away = await eventually(
      'waiting-for-database',
      async () => {
        const p = await progressOf(handle);
        return p.watcher.database === 'waiting-for-database' && p;
      },
      150_000,
    );
    assert.equal(away.waitingFor?.what, 'database');
    await telescope.start();
    const late = night(1)[0]!;
    await insertExposure(telescope.owner, late);
    await writeRawImage(dtsRoot, late.id, nightOf(late.date.toISOString()));
    assert.deepEqual((await addX()).duplicates, [{ expnum: x!.id, state: 'waiting-for-raw-image' }]);
    await writeRawImage(dtsRoot, x!.id, nite);
    const all = await eventually(
      'every exposure submitted',
      async () => {
        const p = await progressOf(handle);
        const es = exposuresOf(p);
        return (
          es.length === rows.length + 1 && es.every((e) => e.state === 'submitted' || e.state === 'grid-finished') && p
        );
      },
      120_000,
    );
    assert.equal(all.watcher.database, 'watching');
    await handle.executeUpdate(closeCampaignUpdate, { args: [{}] });
    const result = await handle.result();
    assert.equal(result.counts.total, rows.length + 1);
    const ledger = await site.ledger();
    for (const r of [...rows, late]) {
      assert.equal(
        ledger.filter((e) => e.event === 'dagmaker_start' && Number(e.expnum) === r.id).length,
        1,
        `DAGMaker of ${r.id}`,
      );
      assert.equal(
        ledger.filter((e) => e.event === 'submit' && Number(e.expnum) === r.id).length,
        1,
        `submission of ${r.id}`,
      );
    }
  } finally {
    worker.kill('SIGTERM');
    await worker;
  }
});
