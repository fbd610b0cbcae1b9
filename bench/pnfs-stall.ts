/**
 * `npm run bench:pnfs`: /pnfs cannot stall the DES machine. One worker process, wired as in
 * production (workers/create.ts: the site's activities, DESGW_PNFS_READS reads at once through the
 * /pnfs reader process), judges a night of 1,000 exposures (BENCH_EXPOSURES) on a dCache where each
 * listing takes 20 ms (BENCH_LISTING_MS: a stand-in handed to the activity factory, which waits that
 * long, then lists through the reader process). Meanwhile, in the same process, a stand-in DAGMaker
 * on the DAGMaker queue (its worker as create.ts makes it: DESGW_DAGMAKER_SLOTS, the same heartbeat
 * settings) heartbeats every second, each heartbeat carrying the tail of its output file as
 * DAGMaker's do. Prints the heartbeat intervals during the judging (p50, p95,
 * max), the judging's wall time, and writes bench/pnfs-results.json. Real dev server.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import type { JudgedExposures } from '../activities/post-processing-types.js';
import { readerProcessFs, type PnfsFs } from '../activities/support/pnfs-reads.js';
import { LocalSeasonSource } from '../activities/support/season-source.js';
import { DAGMAKER_TASK_QUEUE } from '../common/contract.js';
import { loadWorkerConfig, REPO_ROOT } from '../workers/config.js';
import { createWorkers, runWorkers } from '../workers/create.js';
import { judgeInput } from '../workflows/judging.js';
import { bigNight } from '../test/helpers/big-night.js';
import { quietRuntime, startDevServer } from '../test/helpers/harness.js';
import type { BenchActivities } from './pnfs-stall-workflow.js';

const n = Number(process.env.BENCH_EXPOSURES ?? 1000);
const listingMs = Number(process.env.BENCH_LISTING_MS ?? 20);
const BENCH_QUEUE = 'desgw-bench-pnfs';

quietRuntime();
const dir = await mkdtemp(join(tmpdir(), 'desgw-bench-pnfs-stall-'));
const server = await startDevServer();
try {
  const config = { ...loadWorkerConfig({}), roles: ['site' as const], pnfsRoot: join(dir, 'pnfs') };
  // dCache, slow: each read waits listingMs in its /pnfs slot, then goes to the reader process.
  const reader = readerProcessFs(config.pnfsReads);
  let lastReadMs: number | undefined;
  const slowly = async <T>(read: () => Promise<T>): Promise<T> => {
    await new Promise((r) => setTimeout(r, listingMs));
    lastReadMs = Date.now();
    return read();
  };
  const slow: PnfsFs = {
    list: (d) => slowly(() => reader.list(d)),
    mtime: (f) => slowly(() => reader.mtime(f)),
  };
  const connection = server.nativeConnection;
  const namespace = server.namespace ?? 'default';
  const [site] = await createWorkers({
    connection,
    namespace,
    config,
    seasons: new LocalSeasonSource(join(dir, 'seasons.txt')),
    pnfsFs: slow,
  });

  const beats: number[] = [];
  const outFile = join(dir, 'dagmaker_1297759.out');
  await writeFile(outFile, 'DAGMaker.sh 1297759\n'.repeat(100));
  // The DAGMaker queue's worker as create.ts makes it, serving a stand-in that heartbeats every second.
  const dagmaker = await Worker.create({
    connection,
    namespace,
    taskQueue: DAGMAKER_TASK_QUEUE,
    maxConcurrentActivityTaskExecutions: config.dagmakerSlots,
    maxHeartbeatThrottleInterval: `${config.heartbeatEveryS} seconds`,
    defaultHeartbeatThrottleInterval: `${config.heartbeatEveryS} seconds`,
    activities: {
      makeDag: async () => {
        for (;;) {
          // As DAGMaker's heartbeats do (run-logged.ts), each carries the tail of its output file: file work on the worker.
          const tail = (await readFile(outFile, 'utf8')).slice(-200);
          beats.push(Date.now());
          Context.current().heartbeat({ beats: beats.length, tail });
          // Until the judging is over: its reads began, and none for three seconds.
          if (lastReadMs !== undefined && Date.now() - lastReadMs > 3000) return beats.length;
          await new Promise((r) => setTimeout(r, 1000));
        }
      },
    } satisfies Pick<BenchActivities, 'makeDag'>,
  });
  // The bench's workflow: the stand-in DAGMaker and the judging at once.
  const bench = await Worker.create({
    connection,
    namespace,
    taskQueue: BENCH_QUEUE,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: join(REPO_ROOT, 'dist', 'bench', 'pnfs-stall-workflow.js'),
      logger: {
        log: () => undefined,
        trace: () => undefined,
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    }),
  });

  const run = bigNight(n, join(dir, 'out'));
  const input = judgeInput(run, new Map(run.exposures.map((e) => [e.expnum, 'runend' as const])));
  const workflowId = `bench-pnfs-${Date.now()}`;
  const result = (await runWorkers(
    [site!, dagmaker, bench],
    server.client.workflow.execute('pnfsStallBench', { taskQueue: BENCH_QUEUE, workflowId, args: [input] }),
  )) as JudgedExposures;

  // The judging's start and end, as the server recorded them.
  const events = (await server.client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const ms = (e: (typeof events)[number]) =>
    Number(e.eventTime!.seconds) * 1000 + Math.round(e.eventTime!.nanos! / 1e6);
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'judgeExposures',
  )!.eventId!;
  const startedAt = ms(
    events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(scheduled))!,
  );
  const endedAt = ms(
    events.find((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === String(scheduled))!,
  );
  const during = beats.filter((t) => t >= startedAt && t <= endedAt);
  const intervals = during
    .slice(1)
    .map((t, i) => t - during[i]!)
    .sort((a, b) => a - b);
  const pct = (p: number) => intervals[Math.min(intervals.length - 1, Math.floor((p / 100) * intervals.length))]!;
  const figures = {
    exposures: n,
    listingMs,
    pnfsReadsAtOnce: config.pnfsReads,
    judgingWallS: Math.round((endedAt - startedAt) / 100) / 10,
    pnfsReads: result.pnfsReads,
    pnfsTimeouts: result.pnfsTimeouts,
    heartbeats: intervals.length + 1,
    heartbeatIntervalMs: { p50: pct(50), p95: pct(95), max: intervals.at(-1)! },
  };
  console.log(
    `judging ${n} exposures, each /pnfs listing ${listingMs} ms, ${config.pnfsReads} at once: ${figures.judgingWallS} s ` +
      `(${figures.pnfsReads} reads, ${figures.pnfsTimeouts} timed out)`,
  );
  console.log(
    `a DAGMaker's heartbeats (every 1000 ms) in the same worker meanwhile: ${figures.heartbeats} heartbeats, interval ` +
      `p50 ${figures.heartbeatIntervalMs.p50} ms, p95 ${figures.heartbeatIntervalMs.p95} ms, max ${figures.heartbeatIntervalMs.max} ms`,
  );
  await writeFile(join(REPO_ROOT, 'bench', 'pnfs-results.json'), JSON.stringify(figures, null, 2) + '\n');
} finally {
  await server.teardown();
  await rm(dir, { recursive: true, force: true });
}
