/**
 * `npm run bench:scale`: one run of 5,000 exposures (instant stand-ins) on a dev server. The parent
 * continues as new before its history grows large; reports the runs' history sizes and the
 * worker's peak memory. BENCH_EXPOSURES changes the number (at most MAX_EXPOSURES_PER_RUN).
 * BENCH_SPLIT_WORKERS=1 runs the production layout instead: a workflow-only worker and a site
 * worker, each process measured.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../workers/config.js';
import { startDevServer } from '../test/helpers/harness.js';
import { spawnWorker } from './spawn-worker.js';
import { benchSite, startBenchRun } from './workload.js';

const n = Number(process.env.BENCH_EXPOSURES ?? 5000);
const env = await startDevServer();
try {
  const { site, expnums, list } = await benchSite(n, 4_000_001, () => 0, true);
  const split = process.env.BENCH_SPLIT_WORKERS === '1';
  const worker = await spawnWorker(site, env.address, split ? { DESGW_WORKER_ROLES: 'site,dagmaker' } : {});
  const workflowWorker = split ? await spawnWorker(site, env.address, { DESGW_WORKER_ROLES: 'workflows' }) : undefined;
  const t0 = Date.now();
  const handle = await startBenchRun(env.client, list, `scale-${process.pid}`);
  const result = await handle.result();
  const seconds = (Date.now() - t0) / 1000;
  const peakRssMb = await worker.peakRssMb();
  const launcherPeakRssMb = (await worker.launcher())?.peakRssMb ?? 0;
  const workflowWorkerPeakRssMb = await workflowWorker?.peakRssMb();
  await worker.stop();
  await workflowWorker?.stop();
  // Every run of the chain: its history length and size, and the size of its input (what the run
  // before it carried over), which must stay under Temporal's 2 MB payload limit.
  const runs: { runId: string; events: number; bytes: number; inputBytes: number }[] = [];
  for await (const w of env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) {
    const h = await env.client.workflow.getHandle(handle.workflowId, w.runId).fetchHistory();
    const input = h.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    runs.push({
      runId: w.runId,
      events: h.events?.length ?? 0,
      bytes: JSON.stringify(h).length,
      inputBytes: input.reduce((n, p) => n + (p.data?.length ?? 0), 0),
    });
  }
  const events = await site.ledger();
  const submits = new Map<number, number>();
  for (const e of events)
    if (e.event === 'submit') submits.set(Number(e.expnum), (submits.get(Number(e.expnum)) ?? 0) + 1);
  const report = {
    exposures: n,
    submitted: result.counts.submitted,
    duplicates: [...submits.values()].filter((c) => c > 1).length,
    missing: expnums.filter((e) => !submits.has(e)).length,
    seconds,
    exposuresPerSecond: Math.round((n / seconds) * 10) / 10,
    // With BENCH_SPLIT_WORKERS=1, peakRssMb is the site worker's.
    peakRssMb,
    launcherPeakRssMb,
    ...(split ? { workflowWorkerPeakRssMb } : {}),
    runs: runs.length,
    largestHistoryEvents: Math.max(...runs.map((r) => r.events)),
    largestHistoryBytes: Math.max(...runs.map((r) => r.bytes)),
    largestInputBytes: Math.max(...runs.map((r) => r.inputBytes)),
    resultBytes: JSON.stringify(result).length,
  };
  console.log(JSON.stringify(report, null, 2));
  await writeFile(
    join(REPO_ROOT, 'bench', split ? 'scale-split-results.json' : 'scale-results.json'),
    JSON.stringify(report, null, 2) + '\n',
  );
} finally {
  await env.teardown();
}
