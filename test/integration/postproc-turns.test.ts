/**
 * Post-processing passes take turns, as the real site needs: one at a time per machine
 * (forcePhoto_master.pl aborts while any other forced-photometry job runs there), one at a time per
 * checkout; a pass that finds its turn not come leaves the last real attempt's postproc_run.out as
 * it was; and a pass reads the status file run_postproc.py wrote for it, taken while it still held
 * the locks, not what the next pass of the season in the checkout made of it. Real dev server, real
 * activities, the sandbox site (a site stands for one DES machine), real concurrent processes.
 */
import assert from 'node:assert/strict';
import { appendFile, cp, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { execa } from 'execa';
import type { ImageProcessingResult } from '../../common/contract.js';
import { TASK_QUEUE } from '../../common/contract.js';
import { Failure } from '../../common/failures.js';
import { postProcessingProgressQuery } from '../../common/messages.js';
import type { PostProcessingProgress } from '../../common/post-processing-contract.js';
import { runPostprocWith, writePostprocInputs } from '../../activities/run-post-processing.js';
import { CHECKOUT_LOCK } from '../../activities/support/postproc-environment.js';
import { lockProblem } from '../../activities/support/postproc-lock.js';
import { imageProcessing } from '../../workflows/image-processing.js';
import { postProcessing } from '../../workflows/post-processing.js';
import {
  devServerForThisFile,
  eventually,
  FAST,
  makeSite,
  maxOverlap,
  range,
  siteConfig,
  withWorker,
  type Site,
} from '../helpers/harness.js';

const server = devServerForThisFile();
const TRIGGER = { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' };
let counter = 0;
const nextId = (what: string) => `test-turns-${what}-${process.pid}-${++counter}`;

/** The intervals during which run_postproc.py ran, from the site's ledger. */
async function passes(site: Site): Promise<{ start: number; end: number; outdir: string; pid: number }[]> {
  const events = await site.ledger();
  const out: { start: number; end: number; outdir: string; pid: number }[] = [];
  for (const s of events.filter((e) => e.event === 'postproc_start')) {
    const end = events.find((e) => e.event === 'postproc_end' && e.pid === s.pid && e.ts >= s.ts);
    if (end) out.push({ start: s.ts, end: end.ts, outdir: String(s.outdir), pid: s.pid! });
  }
  return out;
}

describe('post-processing passes take turns on a machine', () => {
  let site: Site;
  let run: ImageProcessingResult;
  let checkout: string;
  let second: string;

  before(async () => {
    site = await makeSite({ ...FAST, gridSeconds: 1, postprocSeconds: 1 });
    checkout = join(site.root, 'site', 'Post-Processing');
    second = join(site.root, 'site', 'Post-Processing-2');
    await cp(checkout, second, { recursive: true });
    const list = await site.list('turns.list', range(1210460, 2));
    run = await withWorker(server.env, site, () =>
      server.env.client.workflow.execute(imageProcessing, {
        taskQueue: TASK_QUEUE,
        workflowId: nextId('night'),
        args: [{ exposureListFile: list, season: 'auto', rc: { WRITEDB: 'on' } }],
      }),
    );
    assert.equal(run.counts.submitted, 2);
    // The activities below are run directly, without the workflow's wait for the grid.
    await eventually('the grid to finish both DAGs', async () => {
      const done = (await site.ledger()).filter((e) => e.event === 'grid_done');
      return run.exposures.every((x) => done.some((e) => e.expnum === x.expnum));
    });
  });

  test('two post-processings in two checkouts of one machine run one after the other: the second waits its turn, saying another post-processing runs on this machine, and which', async () => {
    await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=4\n');
    try {
      const seen: PostProcessingProgress[] = [];
      const [a, b] = await withWorker(
        server.env,
        site,
        async () => {
          const start = (dir: string) =>
            server.env.client.workflow.start(postProcessing, {
              taskQueue: TASK_QUEUE,
              workflowId: nextId('pp'),
              args: [{ ...TRIGGER, imageProcessingWorkflowId: run.workflowId, postProcessingDir: dir }],
            });
          const handles = await Promise.all([start(checkout), start(second)]);
          await eventually(
            'one of them to wait for its turn',
            async () => {
              for (const h of handles) {
                const p = await h.query(postProcessingProgressQuery);
                if (p.phase === 'waiting-for-checkout') seen.push(p);
              }
              return seen.length > 0;
            },
            120_000,
            100,
          );
          return Promise.all([handles[0].result(), handles[1].result()]);
        },
        { postprocDirs: [checkout, second] },
      );
      assert.equal(a.outcome, 'success');
      assert.equal(b.outcome, 'success');
      const mine = (await passes(site)).filter((p) => p.outdir === a.outputDir || p.outdir === b.outputDir);
      assert.equal(mine.length, 2);
      assert.equal(maxOverlap(mine), 1, 'run_postproc.py of one, then of the other');
      const [first] = [a, b].sort(
        (x, y) => mine.find((p) => p.outdir === x.outputDir)!.start - mine.find((p) => p.outdir === y.outputDir)!.start,
      );
      assert.match(
        seen[0]!.waitingFor!.message,
        new RegExp(
          `^another post-processing runs on this machine \\(${first!.workflowId} in ${first!.postProcessingDir}\\): `,
        ),
      );
      for (const r of [a, b])
        assert.doesNotMatch(
          await readFile(r.logFile, 'utf8'),
          /force job already running/,
          'forced photometry ran alone',
        );
    } finally {
      await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=1\n');
    }
  });

  test("a pass that finds the checkout held leaves the last real attempt's postproc_run.out as it was; the next pass that runs appends to it after a header", async () => {
    const config = siteConfig(site);
    const season = run.season;
    const workflowId = nextId('log');
    const outputDir = join(site.root, 'site', 'postproc_outputs', workflowId);
    const inputs = await writePostprocInputs({
      workflowId,
      season,
      // No exposure of this list is on the grid: run_postproc.py fails at step 0, after writing its log.
      expnums: [1999999],
      bands: ['i'],
      trigger: TRIGGER,
      postProcessingDir: checkout,
      outputDir,
    });
    const input = { workflowId, season, postProcessingDir: checkout, outputDir, inputs, skipTo: null };
    const failed = await runPostprocWith(config, input).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(failed instanceof ApplicationFailure && failed.type === Failure.PostprocFailed, String(failed));
    const log = join(outputDir, 'postproc_run.out');
    const real = await readFile(log, 'utf8');
    assert.match(real, /^START TIME /m);
    const { mtimeMs } = await stat(log);

    // Another post-processing holds the checkout (a real process, holding its lock).
    const holder = execa('flock', [join(checkout, CHECKOUT_LOCK), 'sleep', '30'], { reject: false });
    try {
      await eventually('the holder to hold the lock', async () => {
        const r = await execa('flock', ['-n', join(checkout, CHECKOUT_LOCK), 'true'], { reject: false });
        return r.exitCode !== 0;
      });
      const busy = await runPostprocWith(config, input).then(
        () => null,
        (e: unknown) => e,
      );
      assert.ok(busy instanceof ApplicationFailure && busy.type === Failure.CheckoutBusy, String(busy));
      assert.match(busy.message, new RegExp(`is running in ${checkout}: this one waits its turn$`));
      assert.equal(await readFile(log, 'utf8'), real, 'the log as the last real attempt left it');
      assert.equal((await stat(log)).mtimeMs, mtimeMs, 'not even opened for writing');
    } finally {
      holder.kill();
      await holder;
    }

    await runPostprocWith(config, input).catch(() => null);
    const after = await readFile(log, 'utf8');
    assert.ok(after.startsWith(real), "the earlier attempt's output kept, first");
    const added = after.slice(real.length);
    assert.match(added, new RegExp(`^(\\n)?==== desgw: a pass of ${workflowId} started \\S+Z, --SKIPTO none; `));
    assert.match(added, /^START TIME /m);
  });

  test('two post-processings of one season in one checkout: each reads the status file run_postproc.py wrote for it, not what the next pass made of it', async () => {
    const config = siteConfig(site);
    const season = run.season;
    const workflowId = nextId('status');
    const outputDir = join(site.root, 'site', 'postproc_outputs', workflowId);
    const inputs = await writePostprocInputs({
      workflowId,
      season,
      expnums: run.exposures.map((e) => e.expnum),
      bands: [...new Set(run.exposures.map((e) => e.band))],
      trigger: TRIGGER,
      postProcessingDir: checkout,
      outputDir,
    });
    await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=2\n');
    try {
      const mine = runPostprocWith(config, {
        workflowId,
        season,
        postProcessingDir: checkout,
        outputDir,
        inputs,
        skipTo: null,
      });
      await eventually('run_postproc.py to start', async () =>
        (await site.ledger()).some((e) => e.event === 'postproc_start' && e.outdir === outputDir),
      );
      // The next pass of the season in the checkout, as a real process: it waits for the locks, then
      // does what a pass does first (its status file removed, run_postproc.py's own `incomplete` written).
      const next = execa(
        'flock',
        [
          config.postprocLock,
          'flock',
          join(checkout, CHECKOUT_LOCK),
          'bash',
          '-c',
          'rm -f -- "PostProcStatus$1.txt"; for _ in $(seq 300); do printf "0 \\n0 \\n0 \\n0 \\n0 \\n0 \\n0 \\n0 \\n0 \\nincomplete" >"PostProcStatus$1.txt"; sleep 0.01; done',
          'next-pass',
          String(season),
        ],
        { cwd: checkout, reject: false },
      );
      const r = await mine;
      assert.equal(r.outcome, 'success', r.reason);
      assert.match(await readFile(join(outputDir, `PostProcStatus${season}.txt`), 'utf8'), /complete$/);
      assert.equal((await next).exitCode, 0);
      assert.match(
        await readFile(join(checkout, `PostProcStatus${season}.txt`), 'utf8'),
        /\nincomplete$/,
        "the checkout's file is the next pass's",
      );
    } finally {
      await appendFile(join(site.state, 'config.sh'), 'SANDBOX_POSTPROC_SECONDS=1\n');
    }
  });

  test('a DESGW_POSTPROC_LOCK that cannot be made is refused, naming the setting, before anything runs', async () => {
    const config = siteConfig(site, { postprocLock: join(site.root, 'no-such-dir', 'desgw-postproc.lock') });
    const problem = `DESGW_POSTPROC_LOCK ${config.postprocLock} can be neither opened nor made (the worker's settings: its directory must exist and be writable by the worker): post-processing cannot run`;
    assert.equal(await lockProblem(config), problem);
    const workflowId = nextId('nolock');
    const outputDir = join(site.root, 'site', 'postproc_outputs', workflowId);
    const inputs = await writePostprocInputs({
      workflowId,
      season: run.season,
      expnums: [1999999],
      bands: ['i'],
      trigger: TRIGGER,
      postProcessingDir: checkout,
      outputDir,
    });
    const starts = (await site.ledger()).filter((e) => e.event === 'postproc_start').length;
    const err = await runPostprocWith(config, {
      workflowId,
      season: run.season,
      postProcessingDir: checkout,
      outputDir,
      inputs,
      skipTo: null,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(
      err instanceof ApplicationFailure && err.type === Failure.PostprocFailed && err.nonRetryable,
      String(err),
    );
    assert.equal(err.message, problem);
    assert.equal(
      (await site.ledger()).filter((e) => e.event === 'postproc_start').length,
      starts,
      'run_postproc.py never started',
    );
  });
});
