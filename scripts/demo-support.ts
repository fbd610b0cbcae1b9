/**
 * What the demos share (`make demo`, `make demo-event`): a Temporal dev server of their own (or the
 * one already on the port), a worker against the embedded sandbox DES site, the environment their
 * client and worker talk to it with, and stopping what they started. One place, so that the two
 * demos start the same way.
 */
import { Connection } from '@temporalio/client';
import { execa, type ResultPromise } from 'execa';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../workers/config.js';
import { WORKER_NODE_FLAGS } from '../workers/node-flags.js';
import { startDevArgs } from './dev-server-args.js';

export interface DemoServer {
  port: number;
  uiPort: number;
  address: string;
  /** The Web UI's base URL. */
  ui: string;
  /** The environment of the demo's client and worker: its dev server, namespace default, no profile. */
  env: NodeJS.ProcessEnv;
}

/** The ports of a demo (DESGW_DEMO_PORT, DESGW_DEMO_UI_PORT; 7233 and 8233 by default) and its environment. */
export function demoServer(processEnv: NodeJS.ProcessEnv = process.env): DemoServer {
  const port = Number(processEnv.DESGW_DEMO_PORT ?? 7233);
  const uiPort = Number(processEnv.DESGW_DEMO_UI_PORT ?? 8233);
  const address = `localhost:${port}`;
  const ui = `http://localhost:${uiPort}`;
  // The demo's client and worker talk to its dev server (plain gRPC, namespace default), whatever
  // TEMPORAL_* variables or a temporal.toml profile say about other servers.
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(processEnv).filter(([k]) => !k.startsWith('TEMPORAL_'))),
    TEMPORAL_ADDRESS: address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_CONFIG_FILE: join(REPO_ROOT, '.temporal', 'no-such-temporal.toml'), // absent: no profile is read
    DESGW_WEB_UI: ui,
  };
  return { port, uiPort, address, ui, env };
}

/** The processes a demo started, stopped (last first) by `stopAll`. */
export class Started {
  private readonly processes: ResultPromise[] = [];

  add(p: ResultPromise): ResultPromise {
    this.processes.push(p);
    return p;
  }

  /** Resolves when every started process has ended (KEEP=1: until Ctrl-C). */
  async untilEnded(): Promise<void> {
    await Promise.all(this.processes);
  }

  async stopAll(): Promise<void> {
    for (const p of this.processes.splice(0).reverse()) {
      p.kill('SIGTERM');
      await p.catch(() => undefined);
    }
  }
}

async function reachable(address: string): Promise<boolean> {
  try {
    const c = await Connection.connect({ address, connectTimeout: 1000 });
    await c.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * The demo's dev server: the one already listening on its port, else a new one (the pinned CLI,
 * built on first use) with its history in `dbFile` (DESGW_DEMO_DB, default .temporal/dev.db).
 */
export async function ensureDevServer(server: DemoServer, started: Started, log = console.log): Promise<void> {
  if (await reachable(server.address)) {
    log(`using the Temporal server already at ${server.address}`);
    return;
  }
  const temporal = (await execa(join(REPO_ROOT, 'scripts', 'ensure-temporal.sh'), { stderr: 'inherit' })).stdout.trim();
  const dbFile = process.env.DESGW_DEMO_DB || join(REPO_ROOT, '.temporal', 'dev.db');
  await mkdir(dirname(dbFile), { recursive: true });
  log(`starting the Temporal dev server on ${server.address} (Web UI ${server.ui}, data in ${dbFile})`);
  started.add(
    execa(temporal, startDevArgs(server.port, server.uiPort, dbFile), {
      stdout: 'ignore',
      stderr: 'inherit',
      reject: false,
    }),
  );
  for (let i = 0; !(await reachable(server.address)); i++) {
    if (i > 60) throw new Error('the dev server did not come up within 60 s');
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * A worker (`npm run worker`'s command) against the embedded sandbox site (.site/), with the
 * demo's environment and `settings` on top. Its output goes to the console, or to `logFile`.
 */
export function startSandboxWorker(
  server: DemoServer,
  started: Started,
  settings: Record<string, string>,
  logFile?: string,
): ResultPromise {
  const env: NodeJS.ProcessEnv = { ...server.env, ...settings };
  delete env.DESGW_GW_WORKFLOW_DIR;
  delete env.DESGW_PNFS_ROOT;
  const command = [...WORKER_NODE_FLAGS, join(REPO_ROOT, 'dist', 'workers', 'main.js')];
  if (!logFile)
    return started.add(
      execa('node', command, { env, extendEnv: false, stdout: 'inherit', stderr: 'inherit', reject: false }),
    );
  const worker = execa('node', command, { env, extendEnv: false, all: true, reject: false });
  worker.all.pipe(createWriteStream(logFile));
  return started.add(worker);
}

/**
 * Waits until the worker's log says it serves (its search attributes made, its pollers on), so
 * that nothing is started before the server knows DesgwTrigger. Fails when the worker ends first,
 * naming its log, or after `timeoutMs`.
 */
export async function untilWorkerServes(worker: ResultPromise, logFile: string, timeoutMs = 120_000): Promise<void> {
  let ended = false;
  void worker.finally(() => (ended = true));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const log = await readFile(logFile, 'utf8').catch(() => '');
    if (/^desgw worker on /m.test(log)) return;
    if (ended) throw new Error(`the worker ended before it served: see ${logFile}`);
    if (Date.now() > until) throw new Error(`the worker did not serve within ${timeoutMs / 1000} s: see ${logFile}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
