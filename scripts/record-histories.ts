/**
 * Records the histories the replay test keeps for a released version of the workflow code: runs
 * the scenarios below on a fresh dev server and the sandbox site, then writes each history, as the
 * Temporal CLI exports it, to a NEW folder (it refuses one that exists: recorded histories are kept,
 * never re-recorded). `make build && node dist/scripts/record-histories.js test/histories/vN`
 *
 * Scenarios: a run that continues as new; a proxy wait; an environment wait; a jobsub outage; a
 * cancelled run; a failed exposure; a resumed run; the season registry after several reservations
 * (its `claimSeason` Updates from v3 on, its legacy `reserveSeason` ones before); from v4, a run
 * that goes on to post-processing, and a post-processing told to proceed before every DAG finished;
 * from v5, a post-processing whose long grid wait continues as new (its first and last runs), a run
 * that fails on its input (it publishes DesgwStatus=failed), and a resume of a completed run (nothing
 * left to do, nothing written); from v6, event campaigns: one with hand-added exposures, its
 * post-processing passes and its closing (`eventCampaign-passes`, with a pass), and one watching the
 * sandbox telescope's exposure table that continues as new (its first and last runs).
 */
import { execa } from 'execa';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { TASK_QUEUE, SEASON_REGISTRY_WORKFLOW_ID, type ImageProcessingInput } from '../common/contract.js';
import {
  postProcessingProgressQuery,
  proceedSignal,
  progressQuery,
  proxyRenewedSignal,
  retryEnvironmentSignal,
  retryNowSignal,
} from '../common/messages.js';
import { postProcessing } from '../workflows/post-processing.js';
import { resumeRun } from '../client/runs.js';
import { imageProcessing } from '../workflows/image-processing.js';
import {
  eventually,
  makeSite,
  range,
  startDevServer,
  temporalCli,
  withWorker,
  type Overrides,
  type Site,
} from '../test/helpers/harness.js';
import { startTelescope } from '../test/helpers/telescope.js';
import { campaignWorkflowId, type EventCampaignInput } from '../common/campaign-contract.js';
import { mjdOf, nightOf } from '../common/exposure-admission.js';
import { addExposuresUpdate, campaignProgressQuery, closeCampaignUpdate } from '../common/messages.js';
import { DESGW_TRIGGER } from '../common/search-attributes.js';
import { insertExposure, planNight, writeRawImage } from './telescope-feeder.js';
import type { eventCampaign } from '../workflows/event-campaign.js';

const target = resolve(process.argv[2] ?? '');
if (!process.argv[2]) throw new Error('usage: record-histories.js test/histories/<new version>');
if (
  await stat(target).then(
    () => true,
    () => false,
  )
)
  throw new Error(`${target} exists: recorded histories are kept, never re-recorded`);
await mkdir(target, { recursive: true });

const TRIGGER = { triggerId: 'S231014r', triggerMjd: 60231.824, propid: 'DEMO-2023B' };

const env = await startDevServer();
const cli = await temporalCli();
let n = 0;
const start = (input: ImageProcessingInput, id = `record-${++n}`) =>
  env.client.workflow.start(imageProcessing, { taskQueue: TASK_QUEUE, workflowId: id, args: [input] });
const childOf = async (handle: WorkflowHandle, expnum: number) =>
  `desgw-season-${(await handle.query(progressQuery)).season}-exp-${expnum}`;
const waitFor = (handle: WorkflowHandle, what: string) =>
  eventually(`the run to wait for ${what}`, async () => (await handle.query(progressQuery)).waitingFor?.what === what);

/** Writes the history of a workflow (a given run of it, or its latest) as `${name}.json`. */
async function save(name: string, workflowId: string, runId?: string): Promise<void> {
  const args = ['workflow', 'show', '--address', env.address, '--workflow-id', workflowId, '--output', 'json'];
  const { stdout } = await execa(cli, runId ? [...args, '--run-id', runId] : args);
  await writeFile(join(target, `${name}.json`), stdout.trimEnd() + '\n');
  console.log(`recorded ${(JSON.parse(stdout) as { events: unknown[] }).events.length} events: ${name}`);
}

async function scenario(
  name: string,
  timing: Record<string, number>,
  fn: (site: Site) => Promise<void>,
  overrides: (site: Site) => Overrides = () => ({}),
): Promise<void> {
  const site = await makeSite();
  await withWorker(env, site, () => fn(site), { timing, ...overrides(site) });
  await execa('bash', [join(site.root, 'site', 'lib', 'grid-run.sh'), 'stop-all'], {
    env: { DESGW_SANDBOX_ROOT: join(site.root, 'site') },
    reject: false,
  });
  await rm(site.root, { recursive: true, force: true, maxRetries: 5 });
  console.log(`scenario done: ${name}`);
}

try {
  await scenario('continue-as-new', { historyEventLimit: 60 }, async (site) => {
    const handle = await start({
      exposureListFile: await site.list('can.list', range(1210400, 8)),
      season: 'auto',
      maxConcurrent: 2,
    });
    await handle.result();
    const first = handle.firstExecutionRunId;
    await save('imageProcessing-continue-as-new-first', handle.workflowId, first);
    await save('imageProcessing-continue-as-new-last', handle.workflowId);
  });

  await scenario('proxy wait', { proxyRecheckS: 3600 }, async (site) => {
    await site.fault('proxy_expired');
    const handle = await start({
      exposureListFile: await site.list('proxy.list', [1210420, 1210421]),
      season: 'auto',
      maxConcurrent: 1,
    });
    await waitFor(handle, 'proxy');
    await rm(join(site.state, 'faults', 'proxy_expired'));
    await handle.signal(proxyRenewedSignal);
    await handle.result();
    await save('imageProcessing-proxy-wait', handle.workflowId);
    await save('processExposure-proxy-wait', await childOf(handle, 1210420));
  });

  await scenario('environment wait', { retryInitialIntervalS: 0.2 }, async (site) => {
    await site.fault('setup_fail', '3');
    const handle = await start({ exposureListFile: await site.list('env.list', [941225]), season: 'auto' });
    await waitFor(handle, 'environment');
    await handle.signal(retryEnvironmentSignal);
    await handle.result();
    await save('imageProcessing-environment-wait', handle.workflowId);
  });

  await scenario('jobsub outage', { retryInitialIntervalS: 0.05, outageRecheckS: 3600 }, async (site) => {
    await site.fault('jobsub_down', 'schedd');
    const handle = await start({ exposureListFile: await site.list('outage.list', [1210430]), season: 'auto' });
    await waitFor(handle, 'jobsub');
    await rm(join(site.state, 'faults', 'jobsub_down'));
    await handle.signal(retryNowSignal);
    await handle.result();
    await save('imageProcessing-jobsub-outage', handle.workflowId);
    await save('processExposure-jobsub-outage', await childOf(handle, 1210430));
  });

  await scenario('failed exposure', {}, async (site) => {
    await site.fault('no_search_image.1210441');
    const handle = await start({
      exposureListFile: await site.list('failed.list', [1210440, 1210441]),
      season: 'auto',
    });
    await handle.result();
    await save('imageProcessing-failed-exposure', handle.workflowId);
    await save('processExposure-failed', await childOf(handle, 1210441));
  });

  await scenario('cancelled and resumed', {}, async (site) => {
    for (const e of range(1210451, 3)) await site.fault(`dagmaker_hang.${e}`);
    const input = { exposureListFile: await site.list('cancel.list', range(1210450, 5)), season: 'auto' as const };
    const handle = await start(input, 'record-cancelled');
    await eventually('a submission and three hanging DAGMakers', async () => {
      const events = await site.ledger();
      return events.some((e) => e.event === 'submit') && events.filter((e) => e.event === 'dagmaker_start').length >= 4;
    });
    await handle.cancel();
    await handle.result().catch(() => undefined);
    await save('imageProcessing-cancelled', handle.workflowId);
    const resumed = await resumeRun(env.client, handle.workflowId, false);
    await resumed.result();
    await save('imageProcessing-resumed', handle.workflowId);
  });

  // From v4: a run that goes on to post-processing (the grid wait, run_postproc.py), and a post-processing told to proceed.
  await scenario('post-processing', {}, async (site) => {
    const handle = await start({
      exposureListFile: await site.list('pp.list', [1210460, 1210461]),
      season: 'auto',
      // Post-processing takes its candidates from the DES database: the grid writes them with WRITEDB=on.
      rc: { WRITEDB: 'on' },
      postProcessing: TRIGGER,
    });
    await handle.result();
    await save('imageProcessing-post-processing', handle.workflowId);
    await save('postProcessing-night', `${handle.workflowId}-postproc`);
  });

  await scenario('post-processing proceed', {}, async (site) => {
    await site.fault('grid_held.1210471');
    const run = await start({
      exposureListFile: await site.list('held.list', [1210470, 1210471]),
      season: 'auto',
      rc: { WRITEDB: 'on' },
    });
    await run.result();
    const pp = await env.client.workflow.start(postProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: 'record-postproc-proceed',
      args: [{ ...TRIGGER, imageProcessingWorkflowId: run.workflowId }],
    });
    await eventually('one DAG finished, one held', async () => {
      const p = await pp.query(postProcessingProgressQuery);
      return p.phase === 'waiting-for-grid' && p.finished === 1;
    });
    await pp.signal(proceedSignal);
    await pp.result();
    await save('postProcessing-proceed', pp.workflowId);
  });

  // From v5: a grid wait long enough to continue as new (a low history limit stands in for hours).
  await scenario('post-processing long wait', { historyEventLimit: 60 }, async (site) => {
    await site.fault('grid_held.1210471');
    const run = await start({
      exposureListFile: await site.list('long.list', [1210470, 1210471]),
      season: 'auto',
      rc: { WRITEDB: 'on' },
    });
    await run.result();
    const pp = await env.client.workflow.start(postProcessing, {
      taskQueue: TASK_QUEUE,
      workflowId: 'record-postproc-long-wait',
      args: [{ ...TRIGGER, imageProcessingWorkflowId: run.workflowId }],
    });
    await eventually(
      'the grid wait to continue as new',
      async () => (await pp.describe()).runId !== pp.firstExecutionRunId,
      120_000,
    );
    await eventually(
      'one DAG finished, one held',
      async () => (await pp.query(postProcessingProgressQuery)).finished === 1,
    );
    await pp.signal(proceedSignal);
    await pp.result();
    await save('postProcessing-long-wait-first', pp.workflowId, pp.firstExecutionRunId);
    await save('postProcessing-long-wait-last', pp.workflowId);
  });

  await scenario('failed on its input', {}, async (site) => {
    const handle = await start({
      exposureListFile: await site.list('bad.list', ['1210474', 'exposure']),
      season: 'auto',
    });
    await handle.result().catch(() => undefined);
    await save('imageProcessing-failed-input', handle.workflowId);
  });

  await scenario('resume of a completed run', {}, async (site) => {
    const handle = await start(
      { exposureListFile: await site.list('done.list', [1210473, 1210474]), season: 'auto' },
      'record-completed',
    );
    await handle.result();
    const resumed = await resumeRun(env.client, handle.workflowId, true);
    await resumed.result();
    await save('imageProcessing-resume-nothing-left', handle.workflowId);
  });

  // From v6: event campaigns. Exposures added by hand (the site's exposures.list: no database), their
  // raw images dropped into the DTS directory, two post-processing passes, closed.
  const campaign = (input: EventCampaignInput) =>
    env.client.workflow.start<typeof eventCampaign>('eventCampaign', {
      taskQueue: TASK_QUEUE,
      workflowId: campaignWorkflowId(input.triggerId),
      typedSearchAttributes: [{ key: DESGW_TRIGGER, value: input.triggerId }],
      args: [input],
    });
  const dts = (site: Site) => join(site.root, 'dts');
  await scenario(
    'event campaign with passes',
    {},
    async (site) => {
      const handle = await campaign({
        triggerId: 'S231014r',
        triggerMjd: 60231.824,
        propid: '2023B-0372',
        season: 'auto',
        rc: { WRITEDB: 'on' },
        postProcessing: { passPolicy: { minNew: 2 } },
      });
      for (const expnum of [1210450, 1210452]) await writeRawImage(dts(site), expnum, '20231014');
      await handle.executeUpdate(addExposuresUpdate, { args: [{ exposures: [1210450, 1210452] }] });
      await eventually(
        'a first pass',
        async () => (await handle.query(campaignProgressQuery)).passes.some((p) => p.outcome !== 'running'),
        300_000,
      );
      await writeRawImage(dts(site), 1210454, '20231014');
      await handle.executeUpdate(addExposuresUpdate, { args: [{ exposures: [1210454, 1210450] }] });
      await handle.executeUpdate(closeCampaignUpdate, { args: [{ reason: 'recorded' }] });
      await handle.result();
      await save('eventCampaign-passes', handle.workflowId);
    },
    (site) => ({ dtsRoot: dts(site), rawDirs: [] }),
  );

  // A campaign watching the exposure table (the sandbox telescope) that continues as new.
  const telescope = await startTelescope();
  try {
    await scenario(
      'event campaign watching the table',
      { historyEventLimit: 60 },
      async (site) => {
        const propid = 'REC-2026B';
        const handle = await campaign({
          triggerId: 'SREC26',
          triggerMjd: mjdOf(new Date(Date.now() - 3600_000).toISOString()),
          propid,
          season: 'auto',
          watchDatabase: true,
        });
        const rows = planNight({
          dtsRoot: dts(site),
          propid,
          start: new Date(Date.now() - 60_000),
          cadenceS: 1,
          rawLagS: 0,
          count: 4,
          firstExpnum: 1_500_001,
        });
        for (const r of rows) {
          await insertExposure(telescope.owner, r);
          await writeRawImage(dts(site), r.id, nightOf(r.date.toISOString()));
        }
        await eventually(
          'the campaign to continue as new, every exposure submitted',
          async () => {
            const p = await handle.query(campaignProgressQuery);
            const es = p.nights.flatMap((x) => x.exposures);
            return (
              p.continuedAsNew > 0 &&
              es.length === 4 &&
              es.every((e) => e.state === 'submitted' || e.state === 'grid-finished')
            );
          },
          180_000,
        );
        await handle.executeUpdate(closeCampaignUpdate, { args: [{}] });
        await handle.result();
        await save('eventCampaign-watcher-first', handle.workflowId, handle.firstExecutionRunId);
        await save('eventCampaign-watcher-last', handle.workflowId);
      },
      (site) => ({
        dtsRoot: dts(site),
        rawDirs: [],
        exposureDbUrl: telescope.readerUrl,
        exposurePollS: 0.5,
      }),
    );
  } finally {
    await telescope.remove();
  }

  // The registry, open, after every reservation above and two more.
  await scenario('season registry', {}, async (site) => {
    for (const season of [777, 'auto' as const]) {
      await (await start({ exposureListFile: await site.list(`registry-${season}.list`, [941226]), season })).result();
    }
    await save('seasonRegistry-after-reservations', SEASON_REGISTRY_WORKFLOW_ID);
  });
} finally {
  await env.teardown();
}
