/**
 * What the integration tests share: the pinned Temporal CLI, a real dev server, the workflow bundle
 * (built once per process), a fresh sandbox DES site per test, and a worker running the real
 * activities against it.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { after, before } from 'node:test';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { execa, type ResultPromise } from 'execa';
import { createWriteStream, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_SERVER_ARGS } from '../../scripts/dev-server-args.js';
import { LocalSeasonSource } from '../../activities/support/season-source.js';
import { REPO_ROOT, SITE_UMASK, loadWorkerConfig, type WorkerConfig } from '../../workers/config.js';
import type { RunTiming } from '../../common/settings.js';
import { ensureSandboxSite, sandboxPnfsRoot, type SandboxTimings } from '../../workers/sandbox-site.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { createWorkers, runWorkers } from '../../workers/create.js';
import { WORKER_NODE_FLAGS } from '../../workers/node-flags.js';

let cliPath: Promise<string> | undefined;
/** The pinned Temporal CLI (built into .tools/ on first use). */
export function temporalCli(): Promise<string> {
  cliPath ??= execa(join(REPO_ROOT, 'scripts', 'ensure-temporal.sh'), { stderr: 'inherit' }).then((r) =>
    r.stdout.trim(),
  );
  return cliPath;
}

let runtimeInstalled = false;
/** Installs the quiet runtime once per process (before any connection is made). */
export function quietRuntime(): void {
  if (!runtimeInstalled) {
    // Tests break things on purpose (servers, workers): only errors are worth printing.
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} },
      },
    });
    runtimeInstalled = true;
  }
}

export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await temporalCli() },
      log: { format: 'pretty', level: 'error' },
      extraArgs: DEV_SERVER_ARGS,
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({
    workflowsPath: join(REPO_ROOT, 'dist', 'workflows', 'index.js'),
    logger: quietLogger(),
  });
  return bundle;
}

export interface LedgerEvent {
  ts: number;
  event: string;
  expnum?: number;
  pid?: number;
  season?: string;
  cwd?: string;
  jobid?: string;
  [k: string]: unknown;
}

export interface Site {
  root: string;
  gwDir: string;
  state: string;
  ledger(): Promise<LedgerEvent[]>;
  /** Writes a .list file in the site's lists/ (beside gw_workflow/) and returns its path. */
  list(name: string, lines: (string | number)[]): Promise<string>;
  fault(name: string, content?: string): Promise<void>;
}

export const FAST: SandboxTimings = {
  setupSeconds: 0.2,
  dagmakerMinSeconds: 0.3,
  dagmakerMaxSeconds: 0.8,
  submitSeconds: 0.05,
};

/** The sites this test file made: removed when it exits with every test passed (kept to look at otherwise). */
const madeSites: string[] = [];
process.once('exit', (code) => {
  if (code !== 0 || process.exitCode || process.env.DESGW_KEEP_TEST_SITES === '1') return;
  for (const root of madeSites) {
    const site = join(root, 'site');
    // The sandbox grid's detached runs first (they write under the site), then the files.
    try {
      execFileSync('bash', [join(site, 'lib', 'grid-run.sh'), 'stop-all'], {
        env: { ...process.env, DESGW_SANDBOX_ROOT: site },
        stdio: 'ignore',
        timeout: 10_000,
      });
    } catch {
      // a site whose grid never ran, or that is half made: its files go all the same
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  }
});

export async function makeSite(timings: SandboxTimings = FAST): Promise<Site> {
  const root = await mkdtemp(join(tmpdir(), 'desgw-site-'));
  madeSites.push(root);
  const gwDir = await ensureSandboxSite(join(root, 'site'), timings);
  const state = join(root, 'site', 'state');
  return {
    root,
    gwDir,
    state,
    ledger: async () =>
      (await readFile(join(state, 'ledger.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as LedgerEvent),
    // Lists live beside the gw_workflow directory, where operators keep an event's lists (an allowed root).
    list: async (name, lines) => {
      const path = join(root, 'site', 'lists', name);
      await writeFile(path, lines.join('\n') + '\n');
      return path;
    },
    fault: (name, content = '1') => writeFile(join(state, 'faults', name), content),
  };
}

/** What a test changes of a worker's settings: any of them, and any part of the runs' pacing. */
export type Overrides = Partial<Omit<WorkerConfig, 'timing'>> & { timing?: Partial<RunTiming> };

/** The settings of a worker serving `site`, paced for tests: retries after half a second. */
export function siteConfig(site: Site, { timing, ...overrides }: Overrides = {}): WorkerConfig {
  const base = loadWorkerConfig({});
  return {
    ...base,
    gwWorkflowDir: site.gwDir,
    sandbox: true,
    heartbeatEveryS: 1,
    pnfsRoot: sandboxPnfsRoot(site.gwDir),
    gridPollS: 0.5,
    // A sandbox site stands for one DES machine: its post-processings take turns, another test's do not wait for them.
    postprocLock: join(site.root, 'desgw-postproc.lock'),
    ...overrides,
    timing: { ...base.timing, retryInitialIntervalS: 0.5, ...timing },
  };
}

/** Runs `fn` while the workers (workflows, site, DAGMaker) serve with the real activities against `site`. */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  site: Site,
  fn: () => Promise<T>,
  overrides: Overrides = {},
): Promise<T> {
  process.umask(SITE_UMASK);
  await ensureSearchAttributes(env.nativeConnection, env.namespace ?? 'default');
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    config: siteConfig(site, overrides),
    seasons: new LocalSeasonSource(join(site.root, 'des_seasons_used.txt')),
    workflowBundle: await workflowBundle(),
  });
  const done = fn();
  await runWorkers(
    workers,
    done.catch(() => undefined),
  );
  return done;
}

/** Intervals during which each exposure's DAGMaker ran, from the ledger. */
export function dagmakerIntervals(
  events: LedgerEvent[],
): { expnum: number; pid: number; start: number; end: number; cwd: string; season: string }[] {
  const starts = new Map<number, LedgerEvent>();
  const out: ReturnType<typeof dagmakerIntervals> = [];
  for (const e of events) {
    if (e.event === 'dagmaker_start') starts.set(e.pid!, e);
    if (e.event === 'dagmaker_end') {
      const s = starts.get(e.pid!);
      if (s)
        out.push({
          expnum: Number(s.expnum),
          pid: s.pid!,
          start: s.ts,
          end: e.ts,
          cwd: String(s.cwd),
          season: String(s.season),
        });
    }
  }
  return out;
}

/** The largest number of intervals open at once. */
export function maxOverlap(intervals: { start: number; end: number }[]): number {
  const points = intervals
    .flatMap((i) => [[i.start, 1] as const, [i.end, -1] as const])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (open += d));
  return max;
}

function quietLogger() {
  const noop = () => undefined;
  return { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: (m: string) => console.error(m) };
}

/** Waits until `check` returns a value (polled), or fails after `timeoutMs` saying what it waited for. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export { processAlive } from '../../activities/support/run-logged.js';

/**
 * A worker as the DES machine runs it: `node dist/workers/main.js` with the production Node flags,
 * serving `site`, its output in `<site.root>/<name>.log`. `env` adds or overrides settings.
 */
export function spawnWorker(
  site: Site,
  address: string,
  name: string,
  env: Record<string, string> = {},
): ResultPromise {
  const log = createWriteStream(join(site.root, `${name}.log`));
  const p = execa('node', [...WORKER_NODE_FLAGS, join(REPO_ROOT, 'dist', 'workers', 'main.js')], {
    env: {
      TEMPORAL_ADDRESS: address,
      DESGW_GW_WORKFLOW_DIR: site.gwDir,
      DESGW_HEARTBEAT_EVERY_S: '1',
      DESGW_RETRY_INITIAL_S: '0.5',
      DESGW_LOCAL_SEASONS_FILE: join(site.root, 'des_seasons_used.txt'),
      DESGW_PNFS_ROOT: sandboxPnfsRoot(site.gwDir),
      DESGW_GRID_POLL_S: '0.5',
      DESGW_POSTPROC_LOCK: join(site.root, 'desgw-postproc.lock'),
      ...env,
    },
    reject: false,
    all: true,
    // A SIGTERM is a request to drain: no SIGKILL after execa's default 5 s.
    forceKillAfterDelay: false,
  });
  p.all?.pipe(log);
  return p;
}

/**
 * A workflow's history as the Temporal CLI exports it (`temporal workflow show --output json`), and
 * the text of its payloads, which the export holds in base64: what a person would find in it.
 */
export async function exportedHistory(
  address: string,
  workflowId: string,
): Promise<{ json: string; payloads: string }> {
  const { stdout } = await execa(await temporalCli(), [
    'workflow',
    'show',
    '--address',
    address,
    '--workflow-id',
    workflowId,
    '--output',
    'json',
  ]);
  const payloads = [...stdout.matchAll(/"data":\s*"([A-Za-z0-9+/=]+)"/g)].map((m) =>
    Buffer.from(m[1]!, 'base64').toString('utf8'),
  );
  return { json: stdout, payloads: payloads.join('\n') };
}

/** `desgw ARGS` as a person runs it: a process of its own against the server at `address()`. */
export function desgwAt(address: () => string, env: Record<string, string> = {}) {
  return (args: string[]) =>
    execa('node', [join(REPO_ROOT, 'dist', 'client', 'desgw.js'), ...args], {
      env: { TEMPORAL_ADDRESS: address(), ...env },
      reject: false,
    });
}

/** The pinned Temporal CLI against the server at `address()`. */
export function temporalAt(address: () => string) {
  return async (args: string[]) => execa(await temporalCli(), [...args, '--address', address()], { reject: false });
}

/** `n` consecutive exposure numbers from `from`. */
export const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

/** A dev server for the tests of one file: started before them, torn down after. */
export function devServerForThisFile(): { readonly env: TestWorkflowEnvironment } {
  const holder: { env?: TestWorkflowEnvironment } = {};
  before(async () => {
    holder.env = await startDevServer();
  });
  after(async () => {
    await holder.env?.teardown();
  });
  return {
    get env() {
      if (!holder.env) throw new Error('the dev server is not up yet');
      return holder.env;
    },
  };
}
