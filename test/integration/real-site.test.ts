/**
 * Right on the real DES site: what jobsub_lite really prints, outages of hours, reruns, concurrent
 * runs, late signals, worker restarts and long lists of failures, each on a real dev server with
 * the sandbox site printing jobsub_lite's noise and switching outages on and off.
 */
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { progressOf, resumeRun } from '../../client/runs.js';
import type { ImageProcessingInput, ImageProcessingResult, Progress } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { MAX_ERROR_IN_HISTORY } from '../../common/failures.js';
import { readOutputTxt } from '../../common/output-file.js';
import { LocalSeasonSource } from '../../activities/support/season-source.js';
import { createWorkers, runWorkers } from '../../workers/create.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import {
  desgwAt,
  devServerForThisFile,
  eventually,
  makeSite,
  range,
  siteConfig,
  spawnWorker,
  withWorker,
  workflowBundle,
} from '../helpers/harness.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { proxyRenewedSignal } from '../../common/messages.js';

const server = devServerForThisFile();
let counter = 0;
const start = (input: ImageProcessingInput, id = `real-site-${process.pid}-${++counter}`) =>
  server.env.client.workflow.start(imageProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: id,
    args: [input],
  });
const desgw = desgwAt(() => server.env.address);
const count = (events: { event: string; expnum?: unknown }[], event: string, expnum?: number) =>
  events.filter((e) => e.event === event && (expnum === undefined || Number(e.expnum) === expnum)).length;
const waitingFor = (handle: WorkflowHandle, what: string, n: number) =>
  eventually(`${n} exposure(s) or more waiting for ${what}`, async () => {
    const p = await progressOf(server.env.client, handle.workflowId);
    return p.counts[`waiting-for-${what}` as keyof Progress['counts']] >= n ? p : null;
  });

/** The parent's history as a person would count it: events, and signals it received. */
async function parentCost(handle: WorkflowHandle): Promise<{ events: number; signals: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  return { events: events.length, signals: events.filter((e) => e.workflowExecutionSignaledEventAttributes).length };
}

test("a refused DAG amid jobsub_lite's token chatter fails its exposure at once, and a proxy complaint voms-proxy-info contradicts is retried, not waited on", async () => {
  const site = await makeSite();
  await site.fault('submit_refuse.1210400');
  await site.fault('submit_says_proxy.1210401');
  const list = await site.list('noise.list', [1210400, 1210401, 1210402]);
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto' });
      const result = await handle.result();
      const byExp = new Map(result.exposures.map((e) => [e.expnum, e]));
      assert.equal(byExp.get(1210400)?.status, 'failed');
      assert.match(
        byExp.get(1210400)!.error!,
        /jobsub refused the DAG: .*<parallel> inside <parallel> not currently supported/,
      );
      assert.equal(byExp.get(1210400)?.attempts.submit, 1, 'a refused DAG is not retried');
      assert.equal(byExp.get(1210401)?.status, 'submitted', byExp.get(1210401)?.error);
      assert.equal(byExp.get(1210401)?.attempts.submit, 2, 'the proxy complaint was retried once');
      assert.equal(byExp.get(1210402)?.status, 'submitted');
      const history = (await handle.fetchHistory()).events ?? [];
      assert.ok(
        !history.some((e) =>
          e.workflowExecutionSignaledEventAttributes?.input?.payloads?.some((p) =>
            String(Buffer.from(p.data ?? [])).includes('waiting-for-proxy'),
          ),
        ),
        'no exposure waited for a proxy',
      );
      // What the grid tools printed carries the token chatter the classifier leaves out.
      assert.match(
        await readFile(join(result.runDir, 'exp_1210400', 'dag_submission_1210400.out'), 'utf8'),
        /^Storing bearer token in /m,
      );
    },
    { timing: { proxyRecheckS: 3600 } },
  );
});

test('an outage of jobsub waits, re-checked with backoff at no cost to the parent, however many re-checks', async () => {
  const site = await makeSite();
  await site.fault('jobsub_down', 'schedd');
  const expnums = range(1210410, 3);
  const list = await site.list('outage.list', expnums);
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto' });
      const p = await waitingFor(handle, 'jobsub', 3);
      assert.equal(p.waitingFor?.what, 'jobsub');
      assert.match(p.waitingFor!.message, /Failed to connect to queue manager jobsub01\.fnal\.gov/);
      const described = await handle.describe();
      assert.equal(described.searchAttributes.DesgwStatus?.[0], 'waiting-for-jobsub');
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      assert.match(metadata.currentDetails ?? '', /Waiting for jobsub/);
      await new Promise((r) => setTimeout(r, 1000));
      const before = await parentCost(handle);
      const failedBefore = count(await site.ledger(), 'submit_failed');
      await eventually(
        'sixty more re-checks',
        async () => count(await site.ledger(), 'submit_failed') >= failedBefore + 60,
        90_000,
      );
      assert.deepEqual(await parentCost(handle), before, "the parent's events and signals stayed where they were");
      // Backoff: the re-checks of an exposure came at most every outageRecheckMaxS.
      const times = (await site.ledger())
        .filter((e) => e.event === 'submit_failed' && Number(e.expnum) === expnums[0])
        .map((e) => e.ts);
      const gaps = times
        .slice(-5)
        .map((t, i, a) => (i === 0 ? 0 : t - a[i - 1]!))
        .slice(1);
      assert.ok(
        gaps.every((g) => g >= 0.25),
        `late re-checks ${gaps.map((g) => g.toFixed(2)).join(', ')} s apart`,
      );
      await rm(join(site.state, 'faults', 'jobsub_down'));
      const result = await handle.result();
      assert.deepEqual(result.counts, { total: 3, submitted: 3, failed: 0 });
      for (const e of expnums) assert.equal(count(await site.ledger(), 'submit', e), 1, `submissions of ${e}`);
    },
    { timing: { retryInitialIntervalS: 0.05, outageRecheckS: 0.1, outageRecheckMaxS: 0.3 } },
  );
});

test('an outage of the DES database waits (waiting-for-database) and desgw retry-now carries it on at once', async () => {
  const site = await makeSite();
  await site.fault('database_down');
  const list = await site.list('database.list', [1210420, 1210421]);
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto' });
      const p = await waitingFor(handle, 'database', 2);
      assert.match(p.waitingFor!.message, /the DES database did not answer: .*ORA-12170/);
      assert.equal((await handle.describe()).searchAttributes.DesgwStatus?.[0], 'waiting-for-database');
      const status = await desgw(['status', handle.workflowId]);
      assert.match(status.stdout, /waiting for database 2/);
      await rm(join(site.state, 'faults', 'database_down'));
      const signalled = Date.now();
      const r = await desgw(['retry-now', handle.workflowId]);
      assert.equal(r.exitCode, 0, r.stderr);
      const result = await handle.result();
      assert.deepEqual(result.counts, { total: 2, submitted: 2, failed: 0 });
      assert.ok(
        Date.now() - signalled < 30_000,
        `carried on ${Date.now() - signalled} ms after retry-now, not after the 600 s re-check`,
      );
    },
    { timing: { retryInitialIntervalS: 0.05, outageRecheckS: 600 } },
  );
});

test('a run started afresh under an id that already ran is refused, saying how to resume or start afresh; a resumed run flags what it did not submit', async () => {
  const site = await makeSite();
  const list = await site.list('rerun.list', [1210430, 1210431]);
  const id = `rerun-${process.pid}`;
  await withWorker(server.env, site, async () => {
    const first = await (await start({ exposureListFile: list, season: 'auto' }, id)).result();
    assert.equal(first.counts.submitted, 2);
    const before = await site.ledger();
    await assert.rejects((await start({ exposureListFile: list, season: 'auto' }, id)).result(), (err: unknown) => {
      const cause = err instanceof WorkflowFailedError ? err.cause?.cause : undefined;
      assert.ok(cause instanceof ApplicationFailure, String(err));
      assert.equal(cause.type, 'InvalidInput');
      assert.match(cause.message, new RegExp(`^run ${id} already ran .*desgw resume ${id}.*start a new run`));
      assert.doesNotMatch(cause.message, /\n/);
      return true;
    });
    const after = await site.ledger();
    assert.equal(count(after, 'dagmaker_start'), count(before, 'dagmaker_start'), 'no DAGMaker ran');
    assert.equal(count(after, 'submit'), count(before, 'submit'), 'nothing was submitted');

    const resumed = await (await resumeRun(server.env.client, id, true)).result();
    assert.deepEqual(
      resumed.exposures.map((e) => [e.expnum, e.status, e.jobId, e.resumed]),
      first.exposures.map((e) => [e.expnum, 'submitted', e.jobId, true]),
    );
    // Nothing was left to do: the manifest is still the first run's, which submitted them.
    const manifest = JSON.parse(await readFile(resumed.outputFiles.manifest, 'utf8')) as ImageProcessingResult;
    assert.ok(
      manifest.exposures.every((e) => e.status === 'submitted' && e.resumed !== true),
      'manifest.json was not rewritten by a resume with nothing left to do',
    );
    const status = await desgw(['status', id]);
    assert.equal(status.stdout.match(/submitted \(resumed\)/g)?.length, 2, status.stdout);
    assert.equal(count(await site.ledger(), 'submit'), count(before, 'submit'), 'the resume submitted nothing');
  });
});

test("concurrent runs keep their own output.txt and manifest.json, and one's refresh of exposures.list never fails the other's DAGMakers", async () => {
  const site = await makeSite({
    setupSeconds: 0.1,
    dagmakerMinSeconds: 0.6,
    dagmakerMaxSeconds: 1.2,
    submitSeconds: 0.05,
  });
  // getExposureInfo.sh rewrites exposures.list in place as its query goes: make that take a while.
  await appendFile(join(site.state, 'config.sh'), 'SANDBOX_EXPINFO_SECONDS=4\n');
  const listA = await site.list('a.list', range(1210440, 20));
  // 1210475 is known to the telescope, not yet to exposures.list: B refreshes it.
  const listB = await site.list('b.list', [1210475, 1210476]);
  await withWorker(server.env, site, async () => {
    const a = await start({ exposureListFile: listA, season: 'auto', maxConcurrent: 2 });
    await eventually("A's first DAGMakers", async () => count(await site.ledger(), 'dagmaker_start') >= 2);
    const b = await start({ exposureListFile: listB, season: 'auto' });
    const [ra, rb] = await Promise.all([a.result(), b.result()]);
    const events = await site.ledger();
    const refreshEnd = events.find((e) => e.event === 'get_exposure_info')!.ts;
    const duringRefresh = events.filter(
      (e) =>
        e.event === 'dagmaker_start' &&
        e.ts > refreshEnd - 4 &&
        e.ts < refreshEnd &&
        String(e.cwd).includes(a.workflowId),
    );
    assert.ok(duringRefresh.length > 0, "some of A's DAGMakers started while exposures.list was being rewritten");
    assert.deepEqual(
      ra.counts,
      { total: 20, submitted: 20, failed: 0 },
      JSON.stringify(ra.exposures.filter((e) => e.error)),
    );
    assert.deepEqual(rb.counts, { total: 2, submitted: 2, failed: 0 });

    assert.notEqual(ra.outputFiles.outputTxt, rb.outputFiles.outputTxt);
    assert.notEqual(ra.outputFiles.manifest, rb.outputFiles.manifest);
    for (const [r, expnums] of [
      [ra, range(1210440, 20)],
      [rb, [1210475, 1210476]],
    ] as const) {
      assert.ok(
        r.outputFiles.outputTxt.startsWith(`${r.runDir}/`) && r.outputFiles.manifest.startsWith(`${r.runDir}/`),
        'in the run directory',
      );
      assert.deepEqual(
        readOutputTxt(await readFile(r.outputFiles.outputTxt, 'utf8')).exposures.map((e) => e.expnum),
        [...expnums],
      );
      assert.equal(
        (JSON.parse(await readFile(r.outputFiles.manifest, 'utf8')) as ImageProcessingResult).workflowId,
        r.workflowId,
      );
    }
    // The legacy output.txt is the last finished run's, whole.
    const last = [ra, rb].sort((x, y) => x.finishedAt.localeCompare(y.finishedAt))[1]!;
    assert.equal(ra.outputFiles.latestOutputTxt, rb.outputFiles.latestOutputTxt);
    assert.equal(
      await readFile(ra.outputFiles.latestOutputTxt!, 'utf8'),
      await readFile(last.outputFiles.outputTxt, 'utf8'),
    );
    const table = await readFile(join(site.gwDir, 'exposures.list'), 'utf8');
    assert.equal(
      table,
      await readFile(join(site.root, 'site', 'telescope', 'exposures.tsv'), 'utf8'),
      'the refreshed exposures.list is whole',
    );
  });
});

test('a proxyRenewed passed on to a child that has just closed never fails the run', async () => {
  const site = await makeSite();
  await site.fault('proxy_expired');
  const list = await site.list('late-signal.list', [1210450, 1210451]);
  const namespace = server.env.namespace ?? 'default';
  const make = (roles: ('workflows' | 'site' | 'dagmaker')[]) =>
    workflowBundle().then((workflowBundle) =>
      createWorkers({
        connection: server.env.nativeConnection,
        namespace,
        config: siteConfig(site, { roles, timing: { proxyRecheckS: 3600 } }),
        seasons: new LocalSeasonSource(join(site.root, 'des_seasons_used.txt')),
        workflowBundle,
      }),
    );
  await ensureSearchAttributes(server.env.nativeConnection, namespace);
  const siteWorkers = await make(['site', 'dagmaker']);
  const siteRunning = runWorkers(siteWorkers);
  let flow = await make(['workflows']);
  let flowRunning = runWorkers(flow);
  try {
    const handle = await start({ exposureListFile: list, season: 'auto' });
    const waiting = await waitingFor(handle, 'proxy', 1);
    const closed = waiting.exposures.find((e) => e.state === 'waiting-for-proxy')!.expnum;
    const other = closed === 1210450 ? 1210451 : 1210450;
    // With no workflow worker, the child's end and the signal reach the parent in one task.
    for (const w of flow) w.shutdown();
    await flowRunning;
    await server.env.client.workflow
      .getHandle(`desgw-season-${waiting.season}-exp-${closed}`)
      .terminate('closed just before the signal');
    await handle.signal(proxyRenewedSignal);
    await rm(join(site.state, 'faults', 'proxy_expired'));
    flow = await make(['workflows']);
    flowRunning = runWorkers(flow);
    await eventually(
      'the terminated exposure to be reported',
      async () => (await progressOf(server.env.client, handle.workflowId)).counts.failed === 1,
    );
    await handle.signal(proxyRenewedSignal);
    const result = await handle.result();
    assert.equal(result.exposures.find((e) => e.expnum === closed)?.status, 'failed');
    assert.match(result.exposures.find((e) => e.expnum === closed)!.error!, /did not complete: .*terminated/i);
    assert.equal(result.exposures.find((e) => e.expnum === other)?.status, 'submitted');
    const history = (await handle.fetchHistory()).events ?? [];
    assert.ok(!history.some((e) => e.workflowTaskFailedEventAttributes), 'no workflow task of the parent failed');
  } finally {
    for (const w of [...flow, ...siteWorkers]) if (w.getState() === 'RUNNING') w.shutdown();
    await Promise.allSettled([flowRunning, siteRunning]);
  }
});

test("a worker restart (SIGTERM) lets a submission in flight finish, and a DAGMaker it stops runs again without using the exposure's retries", async () => {
  const site = await makeSite({
    setupSeconds: 0.1,
    dagmakerMinSeconds: 0.5,
    dagmakerMaxSeconds: 0.8,
    submitSeconds: 0.05,
  });
  // 1210460: its first DAGMaker hangs until the restart stops it; then four transient failures:
  // with the stop counted, five attempts would be spent and the exposure lost.
  await site.fault('dagmaker_hang.1210460');
  await site.fault('dagmaker_fail.1210460', '4');
  // 1210461: its submission is recorded by jobsub, then lingers 4 s: the restart comes in between.
  await site.fault('submit_slow_after_record.1210461', '4');
  const list = await site.list('restart.list', [1210460, 1210461]);
  const settings = { DESGW_SHUTDOWN_GRACE_S: '10', DESGW_RETRY_INITIAL_S: '0.2' };
  const first = spawnWorker(site, server.env.address, 'worker-1', settings);
  let second: ReturnType<typeof spawnWorker> | undefined;
  try {
    const handle = await start({ exposureListFile: list, season: 'auto' });
    await eventually('the slow submission recorded by jobsub and the hanging DAGMaker', async () => {
      const events = await site.ledger();
      return count(events, 'submit', 1210461) === 1 && count(events, 'dagmaker_start', 1210460) === 1;
    });
    first.kill('SIGTERM');
    const stopped = await first;
    assert.equal(stopped.exitCode, 0, 'the worker drained and stopped');
    second = spawnWorker(site, server.env.address, 'worker-2', settings);
    const result = await handle.result();
    assert.deepEqual(
      result.counts,
      { total: 2, submitted: 2, failed: 0 },
      JSON.stringify(result.exposures.filter((e) => e.error)),
    );
    const events = await site.ledger();
    const record = JSON.parse(
      await readFile(join(result.runDir, 'exp_1210461', 'submission_1210461.json'), 'utf8'),
    ) as { source: string };
    assert.equal(record.source, 'submit', 'the submission finished in the stopping worker and was recorded there');
    assert.equal(result.exposures.find((e) => e.expnum === 1210461)?.recovered, undefined);
    assert.equal(count(events, 'submit', 1210461), 1);
    assert.equal(count(events, 'dagmaker_start', 1210460), 6, 'the stopped run, four failures, then success');
    assert.equal(result.exposures.find((e) => e.expnum === 1210460)?.attempts.dagmaker, 6);
  } finally {
    first.kill('SIGKILL');
    second?.kill('SIGTERM');
    await second;
  }
});

/** The event with the largest payloads, and their bytes (inputs, results, failures' details). */
function largestPayload(events: temporal.api.history.v1.IHistoryEvent[]): { bytes: number; event: string } {
  const size = (v: unknown): number => {
    if (v instanceof Uint8Array) return v.length;
    if (Array.isArray(v)) return v.reduce((n: number, x) => n + size(x), 0);
    if (v && typeof v === 'object') return Object.values(v).reduce((n: number, x) => n + size(x), 0);
    return 0;
  };
  let best = { bytes: 0, event: '' };
  for (const e of events) {
    const bytes = size(e);
    if (bytes > best.bytes)
      best = {
        bytes,
        event: `event ${e.eventId} ${Object.keys(e).find((k) => k.endsWith('Attributes') && (e as Record<string, unknown>)[k]) ?? ''}`,
      };
  }
  return best;
}

test('a run of 5,000 exposures that all fail with long errors keeps every payload far under 2 MB; errors are whole in the manifest', async () => {
  const site = await makeSite({ setupSeconds: 0.1, dagmakerMinSeconds: 0, dagmakerMaxSeconds: 0, submitSeconds: 0 });
  // Every DAGMaker fails at once; the long run directory (as on the DES machines) makes each error long.
  await site.fault('dagmaker_band_error_all');
  const n = 5000;
  // The sandbox's tables know a few hundred exposures: this site's exposures.list is given 5,000 more.
  const expnums = range(3_000_000, n);
  const header = (await readFile(join(site.gwDir, 'exposures.list'), 'utf8')).split('\n')[0];
  const rows = expnums.map((e) => `${e} 20231014 60232.1 100.0 -30.0 i 90 2023B-0001 object 0.5 S231014r fake`);
  await writeFile(join(site.gwDir, 'exposures.list'), [header, ...rows, ''].join('\n'));
  const list = await site.list('long.list', expnums);
  const id = `real-site-${process.pid}-S231014r-followup-night-one-of-two-all-exposures-of-the-southern-fields-with-templates-from-the-wide-survey-${'x'.repeat(40)}`;
  await withWorker(
    server.env,
    site,
    async () => {
      const handle = await start({ exposureListFile: list, season: 'auto', maxConcurrent: 10 }, id);
      const result = await handle.result();
      assert.deepEqual(result.counts, { total: n, submitted: 0, failed: n });
      assert.deepEqual(result.exposures, [], "a long run's exposures are in its manifest");
      let runId: string | undefined = handle.firstExecutionRunId;
      let largest = { bytes: 0, event: '' };
      let runs = 0;
      while (runId) {
        const events: temporal.api.history.v1.IHistoryEvent[] =
          (await server.env.client.workflow.getHandle(handle.workflowId, runId).fetchHistory()).events ?? [];
        const big = largestPayload(events);
        if (big.bytes > largest.bytes) largest = big;
        runs++;
        runId =
          events[events.length - 1]?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      console.log(
        `# ${n} failed exposures: ${runs} runs; largest payload ${(largest.bytes / 1024).toFixed(0)} KiB (${largest.event})`,
      );
      assert.ok(runs > 1, 'the run continued as new');
      assert.ok(largest.bytes < 512 * 1024, `largest payload ${largest.bytes} bytes, in ${largest.event}`);
      const manifest = JSON.parse(await readFile(result.outputFiles.manifest, 'utf8')) as ImageProcessingResult;
      assert.equal(manifest.exposures.length, n);
      assert.ok(
        manifest.exposures.every((e) => e.status === 'failed' && (e.error?.length ?? 0) > MAX_ERROR_IN_HISTORY),
        'whole errors, longer than history keeps',
      );
      assert.match(
        manifest.exposures[0]!.error!,
        /the exposure is not in exposures\.list \(band unknown\) \(see .*dagmaker_3000000\.out\)$/,
      );
    },
    { dagmakerSlots: 10, timing: { retryInitialIntervalS: 0.05 } },
  );
});
