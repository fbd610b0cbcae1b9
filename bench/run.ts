/**
 * `npm run bench`: the orchestration measured against a legacy-style pool and the physical bound,
 * on one machine, with the sandbox site's stand-ins. Prints a table and writes bench/results.json.
 *
 *   workload A: 200 exposures, DAGMaker durations drawn from a fixed seed in 0.2–1.0 s
 *   workload B: 500 exposures with instant stand-ins (orchestration overhead alone)
 *
 * BENCH_SCALE=0.2 shrinks both (for a quick look).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../workers/config.js';
import { startDevServer, type LedgerEvent } from '../test/helpers/harness.js';
import { legacyPool } from './legacy-pool.js';
import { spawnWorker } from './spawn-worker.js';
import { listScheduling, seeded } from './synthetic.js';
import { benchSite, startBenchRun } from './workload.js';
import { progressQuery } from '../common/messages.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SLOTS = 5;

interface Measured {
  exposures: number;
  endToEndS: number;
  makespanS: number;
  firstStartMs: number;
  sumDurationsS: number;
  maxDurationS: number;
  lowerBoundS: number;
  listBoundS: number;
  peakRssMb: number;
  launcherPeakRssMb: number;
  parentHistoryEvents: number;
  continuedAsNew: number;
}

const span = (events: LedgerEvent[]) => {
  const starts = events.filter((e) => e.event === 'dagmaker_start').map((e) => e.ts);
  const ends = events.filter((e) => e.event === 'submit').map((e) => e.ts);
  return { first: Math.min(...starts), last: Math.max(...ends) };
};

async function ours(
  address: string,
  client: Awaited<ReturnType<typeof startDevServer>>['client'],
  n: number,
  first: number,
  durations: (i: number) => number,
  tag: string,
  instant = false,
): Promise<Measured> {
  const { site: s, list } = await benchSite(n, first, durations, instant);
  const worker = await spawnWorker(s, address);
  try {
    const t0 = Date.now() / 1000;
    const handle = await startBenchRun(client, list, `bench-${tag}-${process.pid}`);
    const result = await handle.result();
    const t1 = Date.now() / 1000;
    if (result.counts.submitted !== n)
      throw new Error(
        `${tag}: ${result.counts.failed} exposures failed: ${result.exposures.find((e) => e.error)?.error}`,
      );
    const events = await s.ledger();
    const { first: firstStart, last } = span(events);
    const d = result.exposures.map((e) => ((e.durationsMs.dagmaker ?? 0) + (e.durationsMs.submit ?? 0)) / 1000);
    const sum = d.reduce((a, b) => a + b, 0);
    const desc = await handle.describe();
    return {
      exposures: n,
      endToEndS: t1 - t0,
      makespanS: last - firstStart,
      firstStartMs: (firstStart - t0) * 1000,
      sumDurationsS: sum,
      maxDurationS: Math.max(...d),
      lowerBoundS: Math.max(sum / SLOTS, Math.max(...d)),
      listBoundS: listScheduling(d, SLOTS),
      peakRssMb: await worker.peakRssMb(),
      launcherPeakRssMb: (await worker.launcher())?.peakRssMb ?? 0,
      parentHistoryEvents: desc.historyLength,
      continuedAsNew: (await handle.query(progressQuery)).continuedAsNew,
    };
  } finally {
    await worker.stop();
  }
}

const env = await startDevServer();
try {
  const nA = Math.round(200 * SCALE);
  const nB = Math.round(500 * SCALE);
  const draw = seeded(20240511);
  const durationsA = Array.from({ length: nA }, () => 0.2 + 0.8 * draw());

  console.error(`workload A: ${nA} exposures, 0.2–1.0 s, ours…`);
  const a = await ours(env.address, env.client, nA, 3_000_001, (i) => durationsA[i]!, 'A');
  console.error('workload A, legacy-style pool…');
  const legacySite = await benchSite(nA, 3_100_001, (i) => durationsA[i]!);
  const legacy = await legacyPool(legacySite.site, legacySite.expnums, SLOTS);
  console.error(`workload B: ${nB} instant exposures, ours…`);
  const b = await ours(env.address, env.client, nB, 3_200_001, () => 0, 'B', true);

  const results = {
    machine: { cores: (await execa('nproc')).stdout.trim(), node: process.version },
    makespanS: round(a.makespanS),
    endToEndS: round(a.endToEndS),
    boundS: round(a.listBoundS),
    lowerBoundS: round(a.lowerBoundS),
    ratioToBound: round(a.listBoundS / a.makespanS),
    utilisation: round(a.sumDurationsS / (SLOTS * a.makespanS)),
    legacyMakespanS: round(legacy.makespanS),
    legacyClobbers: legacy.clobbers,
    firstStartMs: Math.round(a.firstStartMs),
    exposuresPerSecond: round(b.exposures / b.makespanS),
    overheadPerExposureMs: Math.round(((SLOTS * b.makespanS) / b.exposures - b.sumDurationsS / b.exposures) * 1000),
    standInSecondsPerExposureB: round(b.sumDurationsS / b.exposures),
    peakRssMb: Math.max(a.peakRssMb, b.peakRssMb),
    launcherPeakRssMb: Math.max(a.launcherPeakRssMb, b.launcherPeakRssMb),
    parentHistoryEvents: { A: a.parentHistoryEvents, B: b.parentHistoryEvents },
    workloads: { A: a, B: b, legacy },
  };
  await writeFile(join(REPO_ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  const rows: [string, string, string][] = [
    ['makespan, A (first DAGMaker → last submission)', `${results.makespanS} s`, ''],
    [
      'bound, A (list scheduling of the drawn dᵢ on 5 slots)',
      `${results.boundS} s`,
      `lower bound max(Σd/5, max d) ${results.lowerBoundS} s`,
    ],
    ['ratio to the bound', `${results.ratioToBound}`, 'target ≥ 0.97'],
    ['slot utilisation Σd / (5 × makespan)', `${results.utilisation}`, ''],
    [
      'legacy-style pool, A',
      `${results.legacyMakespanS} s`,
      `${legacy.clobbers} scratch-file clobbers in its shared directory`,
    ],
    ['first DAGMaker after start', `${results.firstStartMs} ms`, 'target ≤ 1000 ms'],
    ['exposures per second, B (instant stand-ins)', `${results.exposuresPerSecond}`, 'target ≥ 50'],
    [
      'orchestration overhead per exposure per slot, B',
      `${results.overheadPerExposureMs} ms`,
      `stand-in processes themselves: ${Math.round(results.standInSecondsPerExposureB * 1000)} ms`,
    ],
    ['worker peak RSS', `${results.peakRssMb} MB`, `and its process launcher ${results.launcherPeakRssMb} MB`],
    [
      'parent history events (its last run)',
      `A ${a.parentHistoryEvents}, B ${b.parentHistoryEvents}`,
      `continued as new: A ${a.continuedAsNew}, B ${b.continuedAsNew} times`,
    ],
  ];
  for (const [k, v, note] of rows) console.log(`${k.padEnd(52)} ${v.padEnd(12)} ${note}`);
  console.log(`\nwrote bench/results.json`);
} finally {
  await env.teardown();
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
