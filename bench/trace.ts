/**
 * `node dist/bench/trace.js`: where an exposure's time goes. Runs BENCH_EXPOSURES (100) exposures
 * with instant stand-ins (or, with BENCH_DAGMAKER_S, the sandbox's DAGMaker taking that long), then
 * reads the histories of the parent and of every child and prints, for each step between two
 * consecutive events, its median and 90th percentile over the exposures.
 * The steps are the server round trips (task dispatch), the worker's task processing, and the
 * activities themselves.
 */
import { readFile } from 'node:fs/promises';
import proto from '@temporalio/proto';
import { execa } from 'execa';
import { startDevServer } from '../test/helpers/harness.js';
import { spawnWorker } from './spawn-worker.js';
import { benchSite, startBenchRun } from './workload.js';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;
const n = Number(process.env.BENCH_EXPOSURES ?? 100);
const EventType = proto.temporal.api.enums.v1.EventType;
const name = (e: HistoryEvent) =>
  EventType[e.eventType!]!.replace('EVENT_TYPE_', '')
    .toLowerCase()
    .replace(/_(\w)/g, (_, c: string) => c.toUpperCase());
const ms = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + (e.eventTime!.nanos ?? 0) / 1e6;

/** CPU seconds a process spent, its own and (with `children`) that of the children it reaped. */
async function cpuS(pid: number, children = false): Promise<number> {
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = Number(f[11]) + Number(f[12]) + (children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / 100;
}

const env = await startDevServer();
try {
  // BENCH_DAGMAKER_S: the sandbox's DAGMaker taking that long (a loaded machine is not latency-bound).
  const dagmakerS = Number(process.env.BENCH_DAGMAKER_S ?? 0);
  const { site, list } = await benchSite(n, 5_000_001, () => dagmakerS, dagmakerS === 0);
  const worker = await spawnWorker(site, env.address);
  const serverPid = Number((await execa('pgrep', ['-n', '-f', 'server start-dev'])).stdout);
  const cpu0 = { server: await cpuS(serverPid), worker: await cpuS(worker.pid) };
  const t0 = Date.now();
  const handle = await startBenchRun(env.client, list, `trace-${process.pid}`);
  const result = await handle.result();
  const seconds = (Date.now() - t0) / 1000;
  const peak = await worker.peakRssMb();
  // The launcher starts on the run's first process: all its time (and its children's) is the run's.
  const launcher = await worker.launcher();
  const cpu = {
    server: (await cpuS(serverPid)) - cpu0.server,
    worker: (await cpuS(worker.pid)) - cpu0.worker,
    processes: launcher ? await cpuS(launcher.pid, true) : 0,
  };
  await worker.stop();

  const steps = new Map<string, number[]>();
  const add = (step: string, d: number) => {
    const ds = steps.get(step);
    if (ds) ds.push(d);
    else steps.set(step, [d]);
  };
  const parent = (await handle.fetchHistory()).events ?? [];
  const initiated = new Map<string, number>();
  for (const e of parent) {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (id) initiated.set(id, ms(e));
  }
  let childEvents = 0;
  for (const [id, at] of initiated) {
    const events = (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
    childEvents += events.length;
    add('parent: start child initiated → child started', ms(events[0]!) - at);
    for (let i = 1; i < events.length; i++)
      add(`child: ${name(events[i - 1]!)} → ${name(events[i]!)}`, ms(events[i]!) - ms(events[i - 1]!));
  }
  // The parent: from a child's end to the start of the next one.
  let lastCompleted: number | undefined;
  for (const e of parent) {
    if (e.childWorkflowExecutionCompletedEventAttributes) lastCompleted ??= ms(e);
    if (e.startChildWorkflowExecutionInitiatedEventAttributes && lastCompleted !== undefined) {
      add('parent: child completed → next child initiated', ms(e) - lastCompleted);
      lastCompleted = undefined;
    }
  }
  const pct = (xs: number[], p: number) =>
    [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  console.log(
    `${n} exposures in ${seconds.toFixed(1)} s (${(n / seconds).toFixed(1)}/s), ${result.counts.submitted} submitted; worker peak RSS ${peak} MB (its process launcher ${launcher?.peakRssMb ?? '?'} MB)`,
  );
  const perExposure = (x: number) => `${((x * 1000) / n).toFixed(0)} ms`;
  console.log(
    `CPU per exposure: server ${perExposure(cpu.server)}, worker ${perExposure(cpu.worker)}, process launcher and the tools ${perExposure(cpu.processes)} (${(((cpu.server + cpu.worker + cpu.processes) / seconds) * 100).toFixed(0)}% of one core)`,
  );
  console.log(`history events: parent ${parent.length}, children ${(childEvents / initiated.size).toFixed(1)} each\n`);
  console.log(`${'step'.padEnd(86)} ${'median'.padStart(7)} ${'p90'.padStart(7)}   (ms)`);
  for (const [step, ds] of steps)
    console.log(`${step.padEnd(86)} ${pct(ds, 0.5).toFixed(1).padStart(7)} ${pct(ds, 0.9).toFixed(1).padStart(7)}`);
} finally {
  await env.teardown();
}
