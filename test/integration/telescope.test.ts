/**
 * Event campaigns on the DES machine, against a real PostgreSQL: the sandbox telescope
 * (scripts/telescope.sh, a private cluster of Debian's package) and its feeder, the exposure
 * watcher, lookups, the wait for raw images, and a run's exposures.list growing under a DAGMaker.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import type pg from 'pg';
import { appendToRunListWith } from '../../activities/append-to-run-list.js';
import type { WatchExposureTableInput } from '../../activities/campaign-types.js';
import { lookupExposuresWith } from '../../activities/lookup-exposures.js';
import { makeDagWith } from '../../activities/make-dag.js';
import { prepareRun } from '../../activities/prepare-run.js';
import { sourceEnvironmentWith } from '../../activities/source-environment.js';
import { rawImageName, waitForRawImagesWith } from '../../activities/wait-for-raw-images.js';
import { watchExposureTableWith } from '../../activities/watch-exposure-table.js';
import { admissionOf, mjdOf, nightOf, type ExposureRow } from '../../common/exposure-admission.js';
import { Failure, innermostType } from '../../common/failures.js';
import { runsDirFor, type WorkerConfig } from '../../common/settings.js';
import { feed, insertExposure, writeRawImage, type TelescopeExposure } from '../../scripts/telescope-feeder.js';
import { makeSite, siteConfig } from '../helpers/harness.js';
import { startTelescope, type Telescope } from '../helpers/telescope.js';

const PROPID = '2026B-0999';
const POLL_S = 0.5;

let dir = '';
let readerUrl = '';
let owner: pg.Client;
let config: WorkerConfig;
let nextId = 1_300_000;
const triggerMjd = mjdOf(new Date(Date.now() - 3600_000).toISOString());
const latencies: Record<string, number[]> = { watcher: [], raw: [] };

let telescope: Telescope;

/** Starts the telescope again after a stop, on the same port (the database coming back). */
async function restartTelescope(): Promise<void> {
  await telescope.start();
  owner = telescope.owner;
}

/** A good exposure of the campaign, taken now, with what a test changes. */
function exposure(change: Partial<TelescopeExposure> = {}): TelescopeExposure {
  return {
    id: ++nextId,
    date: new Date(),
    ra: 150.5,
    declination: -30.25,
    filter: 'i',
    exptime: 90,
    propid: PROPID,
    flavor: 'object',
    program: 'des gw',
    object: 'DESGW: sandbox event: hex 1505-302',
    qc_teff: null,
    discard: false,
    delivered: true,
    ...change,
  };
}

/** A mock activity context, its expected failures not logged. */
const activity = (info?: ConstructorParameters<typeof MockActivityEnvironment>[0]) =>
  new MockActivityEnvironment(info, { logger: new DefaultLogger('ERROR') });
/** Runs `fn` as an activity (in `env`'s context). */
const inActivity = <T>(fn: () => Promise<T>, env = activity()): Promise<T> => env.run(fn) as Promise<T>;
const watch = (input: Partial<WatchExposureTableInput> = {}, env = activity(), cfg = config) => {
  const full = { propid: PROPID, triggerMjd, afterId: nextId, maxWaitS: 10, ...input };
  return inActivity(() => watchExposureTableWith(cfg, full), env);
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'desgw-telescope-'));
  await chmod(dir, 0o755); // the postgres user enters it to reach its cluster
  telescope = await startTelescope();
  ({ readerUrl, owner } = telescope);
  config = {
    ...siteConfig(await makeSite(), { checkProxy: false }),
    exposureDbUrl: readerUrl,
    exposurePollS: POLL_S,
    dtsRoot: join(dir, 'dts'),
    rawDirs: [join(dir, 'des30', 'DTS', 'src', '{nite}', 'src'), join(dir, 'des51')],
  };
});

after(async () => {
  await telescope?.remove().catch(() => undefined);
  for (const [what, ms] of Object.entries(latencies))
    if (ms.length > 0) console.log(`# latency ${what}: ${ms.map((m) => `${m} ms`).join(', ')}`);
  await rm(dir, { recursive: true, force: true });
});

describe('the exposure watcher', () => {
  test('returns a row inserted after it started within a poll and a second, as a campaign row', async () => {
    const pending = watch({ afterId: nextId, maxWaitS: 20 });
    await new Promise((r) => setTimeout(r, 700));
    const e = exposure();
    const inserted = Date.now();
    await insertExposure(owner, e);
    const r = await pending;
    const ms = Date.now() - inserted;
    latencies.watcher!.push(ms);
    assert.ok(ms <= (POLL_S + 1) * 1000, `returned ${ms} ms after the insertion`);
    assert.equal(r.rows.length, 1);
    assert.equal(r.cursor, e.id);
    assert.ok(r.polls >= 2);
    assert.ok(r.newestRowAgeS !== undefined && r.newestRowAgeS < POLL_S + 2);
    const row = r.rows[0]!;
    assert.deepEqual(
      { ...row, date: Date.parse(row.date) },
      {
        expnum: e.id,
        date: e.date.getTime(),
        nite: nightOf(e.date.toISOString()),
        mjd: mjdOf(e.date.toISOString()),
        ra: 150.5,
        dec: -30.25,
        band: 'i',
        exptime: 90,
        propid: PROPID,
        flavor: 'object',
        program: 'des gw',
        object: e.object,
        teff: null,
        discard: false,
        delivered: true,
      },
    );
    assert.deepEqual(admissionOf(row, { propid: PROPID, triggerMjd }), { verdict: 'accept' });
  });

  test('passes over rows of another propid, not objects, 29.999 s or shorter, discarded, unpointed or from before the trigger; a NULL discard is kept', async () => {
    const from = nextId;
    const refused = [
      exposure({ propid: '2026B-0001' }),
      exposure({ flavor: 'dome flat' }),
      exposure({ exptime: 29.999 }),
      exposure({ discard: true }),
      exposure({ ra: null }),
      exposure({ date: new Date(Date.now() - 2 * 3600_000) }),
    ];
    const kept = [exposure({ discard: null, filter: 'z' }), exposure({ exptime: 30, filter: 'r' })];
    for (const e of [...refused, ...kept]) await insertExposure(owner, e);
    const r = await watch({ afterId: from, maxWaitS: 2 });
    assert.deepEqual(
      r.rows.map((x) => x.expnum),
      kept.map((e) => e.id),
    );
    assert.equal(r.cursor, kept[1]!.id);
  });

  test('with nothing new, returns no rows after maxWaitS, having queried every DESGW_EXPOSURE_POLL_S', async () => {
    const started = Date.now();
    const r = await watch({ afterId: nextId, maxWaitS: 1.2 });
    const s = (Date.now() - started) / 1000;
    assert.deepEqual(r.rows, []);
    assert.equal(r.cursor, nextId);
    assert.ok(s >= 1.2 && s < 2.5, `returned after ${s} s`);
    assert.ok(r.polls >= 3 && r.polls <= 4, `${r.polls} polls`);
  });

  test('heartbeats {cursor, polls} (the cursor before the rows it returns) and a retry resumes from its last heartbeat', async () => {
    const a = exposure();
    const b = exposure();
    await insertExposure(owner, a);
    await insertExposure(owner, b);
    const env = activity({ heartbeatDetails: { cursor: a.id, polls: 5 } });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const r = await watch({ afterId: a.id - 1, maxWaitS: 2 }, env);
    assert.deepEqual(
      r.rows.map((x) => x.expnum),
      [b.id],
    );
    assert.equal(r.polls, 6);
    assert.deepEqual(
      beats.at(-1),
      { cursor: a.id, polls: 6 },
      'the cursor before the rows returned: a lost result is found again',
    );
  });

  test('stops within moments when its activity is cancelled', async () => {
    const env = activity();
    const pending = watch({ afterId: nextId, maxWaitS: 30 }, env);
    await new Promise((r) => setTimeout(r, 800));
    const cancelled = Date.now();
    env.cancel();
    await assert.rejects(pending, (err) => err instanceof CancelledFailure);
    assert.ok(Date.now() - cancelled < 500, `stopped ${Date.now() - cancelled} ms after the cancellation`);
  });

  test('refuses bad input, naming the field', async () => {
    await assert.rejects(
      watch({ propid: '' }),
      (err: Error) => innermostType(err) === Failure.InvalidInput && /propid/.test(err.message),
    );
    await assert.rejects(watch({ afterId: -1 }), /afterId/);
  });

  test('without DESGW_EXPOSURE_DB_URL, fails for good naming the setting', async () => {
    await assert.rejects(
      watch({}, activity(), { ...config, exposureDbUrl: null }),
      (err: Error & { nonRetryable?: boolean }) =>
        innermostType(err) === Failure.DatabaseConfiguration &&
        err.nonRetryable === true &&
        /DESGW_EXPOSURE_DB_URL/.test(err.message),
    );
  });

  test('refused credentials are DatabaseCredentials (for good), a missing table DatabaseSchema, a missing database DatabaseConfiguration; no message shows a password', async () => {
    const withUrl = (url: string) => watch({ maxWaitS: 0 }, activity(), { ...config, exposureDbUrl: url });
    const wrong = `postgresql://decam_reader:NotThePassword@127.0.0.1:${telescope.port}/decam_prd`;
    await assert.rejects(withUrl(wrong), (err: Error & { nonRetryable?: boolean }) => {
      assert.equal(innermostType(err), Failure.DatabaseCredentials);
      assert.equal(err.nonRetryable, true);
      assert.doesNotMatch(err.message, /NotThePassword/);
      assert.match(err.message, /decam_reader@127\.0\.0\.1/);
      return true;
    });
    const password = (await readFile(process.env.PGPASSFILE!, 'utf8')).match(/:decam_reader:(.*)/)![1]!;
    const withPassword = readerUrl.replace('decam_reader@', `decam_reader:${password}@`);
    await assert.rejects(withUrl(withPassword.replace(/decam_prd$/, 'postgres')), (err: Error) => {
      assert.doesNotMatch(err.message, new RegExp(password));
      assert.equal(innermostType(err), Failure.DatabaseSchema);
      return true;
    });
    await assert.rejects(withUrl(withPassword.replace(/decam_prd$/, 'no_such_db')), (err: Error) => {
      assert.equal(innermostType(err), Failure.DatabaseConfiguration);
      return true;
    });
  });

  test('survives the database stopped and restarted: DatabaseUnavailable meanwhile, then every row after the cursor, none lost, none twice', async () => {
    const cursor = nextId;
    const before = [exposure(), exposure()];
    for (const e of before) await insertExposure(owner, e);
    // A watch in progress when the database goes away fails as an outage.
    const pending = watch({ afterId: nextId, maxWaitS: 30 }).catch((err: Error) => err);
    await new Promise((r) => setTimeout(r, 300));
    await telescope.stop();
    assert.equal(innermostType(await pending), Failure.DatabaseUnavailable);
    await assert.rejects(watch({ afterId: cursor }), (err: Error & { nonRetryable?: boolean }) => {
      assert.equal(innermostType(err), Failure.DatabaseUnavailable);
      assert.notEqual(err.nonRetryable, true);
      return true;
    });
    await restartTelescope();
    const afterwards = [exposure(), exposure(), exposure()];
    for (const e of afterwards) await insertExposure(owner, e);
    // The campaign's loop: watch from the cursor until it has caught up.
    const seen: number[] = [];
    let c = cursor;
    while (c < nextId) {
      const r = await watch({ afterId: c, maxWaitS: 2 });
      seen.push(...r.rows.map((x) => x.expnum));
      c = r.cursor;
    }
    assert.deepEqual(
      seen,
      [...before, ...afterwards].map((e) => e.id),
    );
  });
});

describe('lookupExposures', () => {
  test('from the database: the rows asked for, whatever they hold, and which are missing', async () => {
    const a = exposure({ discard: true, qc_teff: 0.61 });
    await insertExposure(owner, a);
    const r = await inActivity(() => lookupExposuresWith(config, { expnums: [a.id, 99_999_999] }));
    assert.deepEqual(r.missing, [99_999_999]);
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]!.discard, true);
    assert.ok(Math.abs(r.rows[0]!.teff! - 0.61) < 1e-6);
  });

  test("without a database, from the site's exposures.list, refreshed once when some are missing", async () => {
    const site = await makeSite();
    const cfg = { ...siteConfig(site), exposureDbUrl: null };
    // 941239 is in the telescope's table but not yet in the site's exposures.list; 5 is nowhere.
    const r = await inActivity(() => lookupExposuresWith(cfg, { expnums: [941225, 941239, 5] }));
    assert.deepEqual(
      r.rows.map((x) => [x.expnum, x.band, x.nite, x.propid]),
      [
        [941225, 'i', '20200304', '2020A-0372'],
        [941239, 'r', '20200304', '2020A-0372'],
      ],
    );
    assert.deepEqual(r.missing, [5]);
    assert.equal((await site.ledger()).filter((e) => e.event === 'get_exposure_info').length, 1);
  });
});

describe('waitForRawImages', () => {
  test('returns at once with the images already there, from the DTS root or a raw directory with a {nite} layout', async () => {
    const nite = '20261205';
    const a = await writeRawImage(config.dtsRoot, 1_400_001, nite);
    const bDir = join(dir, 'des30', 'DTS', 'src', nite, 'src');
    await mkdir(bDir, { recursive: true });
    await writeFile(join(bDir, rawImageName(1_400_002)), 'x');
    const cDir = join(dir, 'des51', nite);
    await mkdir(cDir, { recursive: true });
    await writeFile(join(cDir, rawImageName(1_400_003)), 'x');
    const started = Date.now();
    const r = await inActivity(() =>
      waitForRawImagesWith(config, {
        exposures: [1_400_001, 1_400_002, 1_400_003, 1_400_004].map((expnum) => ({ expnum, nite })),
        maxWaitS: 10,
      }),
    );
    assert.ok(Date.now() - started < 200);
    assert.deepEqual(
      r.present.map((p) => [p.expnum, p.path]),
      [
        [1_400_001, a],
        [1_400_002, join(bDir, 'DECam_01400002.fits.fz')],
        [1_400_003, join(cDir, 'DECam_01400003.fits.fz')],
      ],
    );
  });

  test('with none there, returns within half a second of an image appearing', async () => {
    const nite = '20261206';
    const pending = inActivity(() =>
      waitForRawImagesWith(config, { exposures: [{ expnum: 1_400_010, nite }], maxWaitS: 10 }),
    );
    await new Promise((r) => setTimeout(r, 1000));
    await writeRawImage(config.dtsRoot, 1_400_010, nite);
    const written = Date.now();
    const r = await pending;
    const ms = Date.now() - written;
    latencies.raw!.push(ms);
    assert.ok(ms < 500, `returned ${ms} ms after the image appeared`);
    assert.deepEqual(
      r.present.map((p) => p.expnum),
      [1_400_010],
    );
  });

  test('returns none after maxWaitS, and stops within moments when cancelled', async () => {
    const started = Date.now();
    const r = await inActivity(() =>
      waitForRawImagesWith(config, { exposures: [{ expnum: 1_400_020, nite: '20261206' }], maxWaitS: 0.6 }),
    );
    assert.deepEqual(r.present, []);
    assert.ok(Date.now() - started < 1500);
    const env = activity();
    const pending = inActivity(
      () => waitForRawImagesWith(config, { exposures: [{ expnum: 1_400_020, nite: '20261206' }], maxWaitS: 30 }),
      env,
    );
    await new Promise((r) => setTimeout(r, 400));
    const cancelled = Date.now();
    env.cancel();
    await assert.rejects(pending, (err) => err instanceof CancelledFailure);
    assert.ok(Date.now() - cancelled < 500);
  });

  test('never looks outside its directories: an expnum or NITE that is not a number is refused', async () => {
    for (const exposures of [
      [{ expnum: 1, nite: '../../etc' }],
      [{ expnum: -1, nite: '20261206' }],
      [{ expnum: 1.5, nite: '20261206' }],
    ])
      await assert.rejects(
        inActivity(() => waitForRawImagesWith(config, { exposures, maxWaitS: 0 })),
        (err: Error) => innermostType(err) === Failure.InvalidInput,
      );
  });
});

describe("a run's own exposures.list", () => {
  test('appendToRunList appends a row once, to exposures.list and its band list, and the sandbox DAGMaker.sh makes the DAG of an exposure the site never listed', async () => {
    const gw = config.gwWorkflowDir;
    const runDir = join(runsDirFor(config, gw), 'campaign-test');
    await inActivity(() =>
      prepareRun({ gwWorkflowDir: gw, runDir, season: 2206, rc: { WRITEDB: 'off' }, expnums: [941225] }),
    );
    const e = exposure({ ra: 173.3, declination: -8.5, filter: 'i', date: new Date() });
    await insertExposure(owner, e);
    const { rows } = await inActivity(() => lookupExposuresWith(config, { expnums: [e.id] }));
    const row: ExposureRow = rows[0]!;

    const first = await inActivity(() => appendToRunListWith(config, { runDir, rows: [row] }));
    assert.deepEqual(first, { appended: [e.id], alreadyThere: [] });
    const again = await inActivity(() => appendToRunListWith(config, { runDir, rows: [row, row] }));
    assert.deepEqual(again, { appended: [], alreadyThere: [e.id] });
    const count = (text: string) => text.split('\n').filter((l) => l.startsWith(`${e.id} `)).length;
    assert.equal(count(await readFile(join(runDir, 'exposures.list'), 'utf8')), 1);
    assert.equal(count(await readFile(join(runDir, 'exposures_i.list'), 'utf8')), 1);
    assert.equal(
      count(await readFile(join(gw, 'exposures.list'), 'utf8')),
      0,
      "the site's exposures.list is left alone",
    );

    // A band the run had no list of gets one, linked into the next working directories.
    const z = { ...row, expnum: row.expnum + 100_000, band: 'VR' };
    await inActivity(() => appendToRunListWith(config, { runDir, rows: [z] }));
    const mirror = JSON.parse(await readFile(join(runDir, 'mirror.json'), 'utf8')) as [string, string][];
    assert.ok(mirror.some(([name]) => name === 'exposures_VR.list'));

    // DAGMaker, in the exposure's working directory, from the run's snapshot.
    const env = await inActivity(() => sourceEnvironmentWith(config, { gwWorkflowDir: gw, runDir }));
    const dag = await inActivity(() =>
      makeDagWith(config, {
        expnum: e.id,
        workDir: join(runDir, `exp_${e.id}`),
        envFile: env.envFile,
        script: 'DAGMaker.sh',
      }),
    );
    assert.match(dag.recommendedSubmit, new RegExp(`file://desgw_pipeline_${e.id}\\.dag`));
    assert.match(await readFile(dag.dagFile, 'utf8'), new RegExp(`-E ${e.id} -b i -n ${row.nite}`));
  });

  test('appendToRunList writes only in a run directory of this worker', async () => {
    const row = (await inActivity(() => lookupExposuresWith(config, { expnums: [nextId] }))).rows[0]!;
    for (const runDir of [
      dir,
      dirname(config.gwWorkflowDir),
      join(runsDirFor(config, config.gwWorkflowDir), '..', 'gw_workflow'),
    ])
      await assert.rejects(
        inActivity(() => appendToRunListWith(config, { runDir, rows: [row] })),
        (err: Error) =>
          innermostType(err) === Failure.InvalidInput && /not a run directory of this worker/.test(err.message),
      );
  });
});

describe('the feeder', () => {
  test('inserts rows at its cadence and writes each raw image after its lag; the watcher and waitForRawImages follow it', async () => {
    const first = nextId + 1;
    nextId += 3;
    const feeding = feed(owner, {
      dtsRoot: config.dtsRoot,
      propid: PROPID,
      start: new Date(Date.now() + 500),
      cadenceS: 1,
      rawLagS: 1.5,
      count: 3,
      firstExpnum: first,
    });
    let cursor = first - 1;
    const rows: ExposureRow[] = [];
    while (rows.length < 3) {
      const r = await watch({ afterId: cursor, maxWaitS: 5 });
      for (const row of r.rows) latencies.watcher!.push(Date.now() - Date.parse(row.date));
      rows.push(...r.rows);
      cursor = r.cursor;
    }
    assert.deepEqual(
      rows.map((r) => [r.expnum, r.band, r.exptime, r.program]),
      [
        [first, 'i', 90, 'des gw'],
        [first + 1, 'z', 90, 'des gw'],
        [first + 2, 'r', 90, 'des gw'],
      ],
    );
    const gaps = rows.slice(1).map((r, i) => Date.parse(r.date) - Date.parse(rows[i]!.date));
    assert.deepEqual(gaps, [1000, 1000]);
    const images = await inActivity(() =>
      waitForRawImagesWith(config, {
        exposures: rows.map((r) => ({ expnum: r.expnum, nite: r.nite })),
        maxWaitS: 10,
      }),
    );
    assert.equal(images.present[0]!.expnum, first);
    await feeding;
  });
});
