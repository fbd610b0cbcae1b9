/**
 * The season registry can never hand out a season twice, on a real dev server: the reserveSeason
 * activity (real) decides, the registry (real) records, the other activities are stubs. A change to
 * the season rules leaves every past reservation as recorded (on query, on a new worker's replay,
 * and on replay of the histories); a terminated registry loses no reservation, the run directories
 * and the DES database standing for it; two runs racing for a season never both get it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { WithStartWorkflowOperation, WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { SeasonRecord } from '../../activities/support/run-seasons.js';
import { LocalSeasonSource, type SeasonSource } from '../../activities/support/season-source.js';
import {
  SEASON_REGISTRY_WORKFLOW_ID,
  SEASON_REGISTRY_WORKFLOW_TYPE,
  TASK_QUEUE,
  type ImageProcessingResult,
} from '../../common/contract.js';
import { Failure } from '../../common/failures.js';
import { claimSeasonUpdate, reservationsQuery, type ClaimSeasonRequest } from '../../common/messages.js';
import { decideSeason, pickAutoSeason, type SeasonRules } from '../../common/season-rules.js';
import { loadWorkerConfig, type WorkerConfig } from '../../workers/config.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { devServerForThisFile, workflowBundle } from '../helpers/harness.js';
import { stubActivities, validatedRun, withStubs, type Activities } from '../helpers/stub-activities.js';

const server = devServerForThisFile();
const root = await mkdtemp(join(tmpdir(), 'desgw-registry-'));
after(() => rm(root, { recursive: true, force: true }));

interface Site {
  config: WorkerConfig;
  runsDir: string;
  dbFile: string;
}

/** A site: its gw_workflow directory, its runs directory beside it, its DES database stand-in. */
async function makeSite(name: string, dbSeasons: number[] = []): Promise<Site> {
  const gwWorkflowDir = join(root, name, 'gw_workflow');
  await mkdir(gwWorkflowDir, { recursive: true });
  const dbFile = join(root, name, 'des_seasons_used.txt');
  await writeFile(dbFile, dbSeasons.map((s) => `${s}\n`).join(''));
  const config = { ...loadWorkerConfig({}), gwWorkflowDir, runsDir: null, allowedGwWorkflowDirs: [] };
  return { config, runsDir: join(root, name, 'desgw_runs'), dbFile };
}

let nextExpnum = 2_000_000;
/** Stub activities but the real reserveSeason, with `rules` (today's unless given) and the site's season source. */
function activitiesFor(site: Site, { rules, source }: { rules?: SeasonRules; source?: SeasonSource } = {}): Activities {
  const real = createActivities({ config: site.config, seasons: source ?? new LocalSeasonSource(site.dbFile), rules });
  return stubActivities(validatedRun([0]), {
    validateRun: async (input) => ({
      ...validatedRun([++nextExpnum]),
      gwWorkflowDir: site.config.gwWorkflowDir,
      runDir: join(site.runsDir, input.workflowId),
    }),
    reserveSeason: real.reserveSeason,
  });
}

const run = async (workflowId: string, season: 'auto' | number): Promise<ImageProcessingResult> =>
  (
    await server.env.client.workflow.start(imageProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ exposureListFile: '/stub/night.list', season }],
    })
  ).result();

/** The failure a run ended with: the activity's, under the workflow's. */
async function failureOf(p: Promise<unknown>): Promise<{ type: string | undefined; message: string }> {
  const err = await p.then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  let cause: unknown = err.cause;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure) && cause.cause) cause = cause.cause;
  assert.ok(cause instanceof ApplicationFailure, String(cause));
  return { type: cause.type ?? undefined, message: cause.message };
}

const registry = () => server.env.client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID);
const reservations = () => registry().query(reservationsQuery);

/** Each test starts with no registry running (they share the dev server). */
async function noRegistry(): Promise<void> {
  const d = await registry()
    .describe()
    .catch(() => null);
  if (d?.status.name === 'RUNNING') await registry().terminate('test: each test starts without a registry');
}

const claim = (request: ClaimSeasonRequest) =>
  server.env.client.workflow.executeUpdateWithStart(claimSeasonUpdate, {
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation(SEASON_REGISTRY_WORKFLOW_TYPE, {
      workflowId: SEASON_REGISTRY_WORKFLOW_ID,
      taskQueue: TASK_QUEUE,
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });

test('a change to the season rules cannot rewrite past reservations: the registry keeps what it recorded, on query and on replay', async () => {
  await noRegistry();
  const site = await makeSite('rules');
  const before = await withStubs(server.env, activitiesFor(site), async () => {
    assert.equal((await run('rules-a', 'auto')).season, 101);
    assert.equal((await run('rules-b', 777)).season, 777);
    assert.equal((await run('rules-t', 2206)).season, 2206);
    return reservations();
  });
  assert.deepEqual(before, {
    reservations: [
      [101, 'rules-a'],
      [777, 'rules-b'],
    ],
    testSeasonOwners: [['rules-t', 2206]],
  });
  // The durable record, in the run directory: what a new registry's reservations are rebuilt from.
  const record = JSON.parse(await readFile(join(site.runsDir, 'rules-a', 'season.json'), 'utf8')) as SeasonRecord;
  assert.deepEqual([record.season, record.owner], [101, 'rules-a']);
  assert.ok(!Number.isNaN(Date.parse(record.reservedAt)));

  // The rules change: auto starts at 300, 777 becomes reserved, 2206 is no test season any more.
  const changed: SeasonRules = {
    isTestSeason: () => false,
    decideSeason: (requested, usedInDatabase, reserved) => {
      if (requested === 777) return { problem: 'season 777 is reserved for the new survey' };
      if (requested === 'auto')
        return { season: pickAutoSeason(new Set([...usedInDatabase, ...reserved.keys()]), 300) };
      return decideSeason(requested, usedInDatabase, reserved);
    },
  };
  // New workers (empty caches): the registry's state is rebuilt by replaying its history, under the new rules.
  const afterChange = await withStubs(server.env, activitiesFor(site, { rules: changed }), async () => {
    assert.deepEqual(await reservations(), before, 'replayed by a new worker: the same reservations');
    assert.equal((await run('rules-b', 777)).season, 777, 'the run holding 777 keeps it, whatever the rule says now');
    assert.equal((await run('rules-c', 'auto')).season, 300, 'new requests follow the new rules');
    const refused = await failureOf(run('rules-d', 777));
    assert.deepEqual(refused, {
      type: Failure.SeasonUnavailable,
      message: 'season 777 is reserved for the new survey',
    });
    return reservations();
  });
  assert.deepEqual(afterChange, {
    reservations: [
      [101, 'rules-a'],
      [777, 'rules-b'],
      [300, 'rules-c'],
    ],
    testSeasonOwners: [['rules-t', 2206]],
  });

  // The registry's history and a run's replay against today's code: the recorded decisions stand.
  const bundle = { workflowBundle: await workflowBundle() };
  await Worker.runReplayHistory(bundle, await registry().fetchHistory(), 'replay-registry');
  const runA = server.env.client.workflow.getHandle('rules-a');
  await Worker.runReplayHistory(bundle, await runA.fetchHistory(), 'replay-rules-a');
  assert.equal((await runA.result()).season, 101);
});

test('a terminated registry loses no reservation: the next runs are kept off the run directories’ and the DES database’s seasons', async () => {
  await noRegistry();
  const site = await makeSite('lost', [101, 102]);
  // A run prepared before season.json existed: its season is in its dagmaker.rc only.
  await mkdir(join(site.runsDir, 'old-run'), { recursive: true });
  await writeFile(join(site.runsDir, 'old-run', 'dagmaker.rc'), "# the run's copy\nSEASON='103'\nRNUM=4\n");
  await withStubs(server.env, activitiesFor(site), async () => {
    assert.equal((await run('lost-a', 'auto')).season, 104);
    assert.equal((await run('lost-b', 500)).season, 500);
    const first = (await registry().describe()).runId;
    await registry().terminate('test: the registry is lost');

    assert.equal((await run('lost-c', 'auto')).season, 105, 'not the database’s, nor any run directory’s');
    assert.notEqual((await registry().describe()).runId, first, 'a new registry, started by the claim');
    assert.match((await failureOf(run('lost-d', 500))).message, /^season 500 is already reserved by run lost-b$/);
    assert.match((await failureOf(run('lost-e', 102))).message, /^season 102 is already used in the DES database/);
    assert.match((await failureOf(run('lost-f', 103))).message, /^season 103 is already reserved by run old-run$/);
    assert.equal((await run('lost-a', 'auto')).season, 104, 'a run asking again gets its own season back');
    assert.deepEqual(await reservations(), {
      reservations: [
        [105, 'lost-c'],
        [104, 'lost-a'],
      ],
      testSeasonOwners: [],
    });
  });
});

test('the registry records claims and applies no rule: a season another run holds is refused naming it, a shared one is shared', async () => {
  await noRegistry();
  await withStubs(server.env, activitiesFor(await makeSite('claims')), async () => {
    // No rule: the registry records what it is told (a season today's rules would refuse included).
    assert.deepEqual(await claim({ owner: 'c-1', season: 5000, shared: false }), { season: 5000, alreadyHeld: false });
    assert.deepEqual(await claim({ owner: 'c-1', season: 612, shared: false }), { season: 5000, alreadyHeld: true });
    const taken = await claim({ owner: 'c-2', season: 5000, shared: false }).catch((e: unknown) => e);
    assert.ok(taken instanceof WorkflowUpdateFailedError);
    assert.ok(taken.cause instanceof ApplicationFailure);
    assert.equal(taken.cause.type, Failure.SeasonTaken);
    assert.equal(taken.cause.message, 'season 5000 is already reserved by run c-1');
    assert.equal(taken.cause.nonRetryable, true);
    // Shared: many runs at once, and then nobody's alone.
    assert.deepEqual(await claim({ owner: 'c-3', season: 2208, shared: true }), { season: 2208, alreadyHeld: false });
    assert.deepEqual(await claim({ owner: 'c-4', season: 2208, shared: true }), { season: 2208, alreadyHeld: false });
    const alone = await claim({ owner: 'c-5', season: 2208, shared: false }).catch((e: unknown) => e);
    assert.ok(alone instanceof WorkflowUpdateFailedError);
    assert.match(String(alone.cause?.message), /season 2208 is already reserved by run c-3/);
    for (const bad of [
      { owner: '', season: 700, shared: false },
      { owner: 'c-6', season: 0, shared: false },
      { owner: 'c-6', season: 700.5, shared: false },
      { owner: 'c-6', season: 700, shared: 'yes' },
    ]) {
      await assert.rejects(claim(bad as ClaimSeasonRequest), WorkflowUpdateFailedError, JSON.stringify(bad));
    }
    assert.deepEqual(await reservations(), {
      reservations: [[5000, 'c-1']],
      testSeasonOwners: [
        ['c-3', 2208],
        ['c-4', 2208],
      ],
    });
  });
});

test('two runs racing for a season never both get it: the loser decides again (auto) or is told it is unavailable', async () => {
  await noRegistry();
  const site = await makeSite('race');
  let reads = 0;
  /** Another run claims `season` between this run's reading of the sources and its claim. */
  const racing = (season: number): SeasonSource => ({
    describe: 'racing',
    usedSeasons: async () => {
      if (++reads === 1) {
        await new Promise((r) => setTimeout(r, 1500));
        await claim({ owner: `rival-${season}`, season, shared: false });
      }
      return [];
    },
  });
  await withStubs(server.env, activitiesFor(site, { source: racing(101) }), async () => {
    assert.equal((await run('race-auto', 'auto')).season, 102);
  });
  assert.equal(reads, 2, 'read again after losing the claim');
  reads = 0;
  await withStubs(server.env, activitiesFor(site, { source: racing(777) }), async () => {
    const lost = await failureOf(run('race-777', 777));
    assert.deepEqual(lost, {
      type: Failure.SeasonUnavailable,
      message: 'season 777 is already reserved by run rival-777',
    });
    assert.deepEqual((await reservations()).reservations, [
      [101, 'rival-101'],
      [102, 'race-auto'],
      [777, 'rival-777'],
    ]);
  });
});
