/**
 * `desgw doctor`: every check a night depends on, in one table. The Temporal side (the server, the
 * namespace and its search attributes, a poller on each task queue) is checked from wherever desgw
 * runs; the site's side (setup_img_proc.sh sources within its timeout, the grid tools are on PATH
 * after it, the proxy is valid for the margin, jobsub_q answers for the group within its timeout,
 * the seasons used as the DES database, the season registry and the run directories hold them) with
 * the worker's own settings and code, so on the DES machine it checks what the worker will do.
 * What a row says of jobsub_q and of the seasons is decided in client/doctor-verdicts.ts.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { access, constants, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { sourceEnvironmentWith } from '../activities/source-environment.js';
import { JOBSUB_Q_TIMEOUT_MS, listQueue } from '../activities/support/jobsub-queue.js';
import { ensureProxy } from '../activities/support/proxy.js';
import { runSeasons, runsDirsOf } from '../activities/support/run-seasons.js';
import { registryReservations } from '../activities/support/season-choice.js';
import { loadEnvironment } from '../activities/support/site-environment.js';
import { DAGMAKER_TASK_QUEUE, SEASON_REGISTRY_WORKFLOW_ID, SITE_TASK_QUEUE, TASK_QUEUE } from '../common/contract.js';
import { innermostMessage } from '../common/failures.js';
import { SEARCH_ATTRIBUTES } from '../common/search-attributes.js';
import type { WorkerConfig } from '../common/settings.js';
import { seasonSourceFor } from '../workers/season-source.js';
import { checkout } from '../activities/resolve-post-processing.js';
import { checkPostprocEnvironment } from '../activities/support/postproc-environment.js';
import { describeSeasonsUsed, jobsubQVerdict, registrySeasons } from './doctor-verdicts.js';

export interface Check {
  check: string;
  result: 'ok' | 'FAIL' | 'skipped';
  detail: string;
}

/** A task queue and the kind of its pollers. */
const QUEUES: [string, 'workflow' | 'activity'][] = [
  [TASK_QUEUE, 'workflow'],
  [SITE_TASK_QUEUE, 'activity'],
  [DAGMAKER_TASK_QUEUE, 'activity'],
];

const QUEUE_TYPE = proto.temporal.api.enums.v1.TaskQueueType;

/** A poller seen within this long counts as polling. */
const RECENT_MS = 60_000;

/** How long the season registry has to answer its `reservations` query (it needs a workflow worker). */
const REGISTRY_TIMEOUT_MS = 10_000;

/** The task queues whose workers polled within the last minute, and those whose did not. */
export async function pollers(client: Client, namespace: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const [name, kind] of QUEUES) {
    const r = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name },
      taskQueueType: kind === 'workflow' ? QUEUE_TYPE.TASK_QUEUE_TYPE_WORKFLOW : QUEUE_TYPE.TASK_QUEUE_TYPE_ACTIVITY,
    });
    const recent = (r.pollers ?? []).filter(
      (p) => Date.now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < RECENT_MS,
    ).length;
    out.set(name, recent);
  }
  return out;
}

export async function runDoctor(client: Client, namespace: string, config: WorkerConfig): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (check: string, result: Check['result'], detail: string) => checks.push({ check, result, detail });
  /** Runs a check: ok with what it returns, FAIL with the first line of what it throws; true when ok. */
  const attempt = async (check: string, fn: () => Promise<string>): Promise<boolean> => {
    try {
      add(check, 'ok', await fn());
      return true;
    } catch (err) {
      add(check, 'FAIL', ((err as Error).message ?? String(err)).split('\n')[0]!);
      return false;
    }
  };

  await attempt('server reachable', async () => {
    const info = await client.workflowService.getSystemInfo({});
    return `Temporal ${info.serverVersion || '(version not given)'}`;
  });
  await attempt(`namespace ${namespace}`, async () => {
    const ns = await client.workflowService.describeNamespace({ namespace });
    const days = Number(ns.config?.workflowExecutionRetentionTtl?.seconds ?? 0) / 86400;
    return `retention ${days} days`;
  });
  await attempt('search attributes', async () => {
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace });
    const missing = SEARCH_ATTRIBUTES.map((k) => k.name).filter((n) => !(n in (customAttributes ?? {})));
    if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')} (deploy/create-namespace.sh creates them)`);
    return `${SEARCH_ATTRIBUTES.length} present`;
  });
  try {
    for (const [queue, n] of await pollers(client, namespace)) {
      add(
        `pollers on ${queue}`,
        n > 0 ? 'ok' : 'FAIL',
        n > 0 ? `${n} in the last minute` : 'none in the last minute: is its worker running?',
      );
    }
  } catch (err) {
    add('pollers', 'FAIL', (err as Error).message.split('\n')[0]!);
  }

  // The site's side, with the worker's settings: meaningful on the DES machine.
  const gw = config.gwWorkflowDir;
  if (
    !(await stat(gw).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  ) {
    for (const check of [
      'setup_img_proc.sh sources',
      'grid tools on PATH',
      'grid proxy',
      'jobsub_q',
      'seasons used',
      'Post-Processing checkout',
      'Post-Processing environment',
      'pnfs root',
    ]) {
      add(
        check,
        'skipped',
        `no gw_workflow directory ${gw} here: run desgw doctor on the DES machine, with the worker's settings`,
      );
    }
    return checks;
  }
  const scratch = await mkdtemp(join(tmpdir(), 'desgw-doctor-'));
  try {
    let env: Record<string, string> | null = null;
    await attempt('setup_img_proc.sh sources', async () => {
      const sourced = await sourceEnvironmentWith(config, { gwWorkflowDir: gw, runDir: scratch });
      env = await loadEnvironment(sourced.envFile);
      return `in ${(sourced.durationMs / 1000).toFixed(1)} s (limit ${config.setupTimeoutS} s), ${sourced.variableCount} variables`;
    });
    if (env === null) {
      for (const check of ['grid tools on PATH', 'grid proxy', 'jobsub_q'])
        add(check, 'skipped', 'the environment did not source');
    } else {
      const sourced: Record<string, string> = env;
      let jobsubQOnPath = false;
      await attempt('grid tools on PATH', async () => {
        const tools = ['jobsub_submit_dag', 'jobsub_q', 'voms-proxy-info'];
        const missing: string[] = [];
        for (const tool of tools) if (!(await onPath(tool, sourced.PATH ?? ''))) missing.push(tool);
        jobsubQOnPath = !missing.includes('jobsub_q');
        if (missing.length > 0) throw new Error(`not on PATH after sourcing: ${missing.join(', ')}`);
        return tools.join(', ');
      });
      let proxyOk = true;
      if (config.checkProxy) {
        proxyOk = await attempt('grid proxy', async () => {
          await ensureProxy(config, sourced, gw);
          return `valid for ${config.proxyMargin} or more`;
        });
      } else {
        add('grid proxy', 'skipped', 'not checked for the desgw account (DESGW_CHECK_PROXY)');
      }
      // As the app runs it: jobsub_q -G des --user $USER, with the sourced environment, killed after its timeout.
      if (!jobsubQOnPath) add('jobsub_q', 'skipped', 'jobsub_q is not on PATH after sourcing');
      else if (!proxyOk) add('jobsub_q', 'skipped', 'not run without a valid grid proxy (see grid proxy)');
      else {
        const started = Date.now();
        const listing = await listQueue(sourced, scratch, JOBSUB_Q_TIMEOUT_MS);
        const { result, detail } = jobsubQVerdict(listing, Date.now() - started, JOBSUB_Q_TIMEOUT_MS);
        add('jobsub_q', result, detail);
      }
    }
    await attempt('seasons used', () => seasonsUsed(client, config));
    let postprocDir: string | null = null;
    await attempt('Post-Processing checkout', async () => {
      postprocDir = await checkout(config, undefined);
      return `${postprocDir}: scripts and postproc.ini`;
    });
    // As a pass sources it: diffimg_setup.sh without nounset, the python it leaves, easyaccess's db
    // section, and the files run_postproc.py opens hours in.
    if (postprocDir === null) add('Post-Processing environment', 'skipped', 'no Post-Processing checkout');
    else {
      const c = await checkPostprocEnvironment(config, postprocDir);
      add('Post-Processing environment', c.ok ? 'ok' : 'FAIL', c.detail);
    }
    await attempt('pnfs root', async () => {
      await access(join(config.pnfsRoot, 'exp'), constants.R_OK | constants.X_OK);
      return `${config.pnfsRoot}/exp readable (DESGW_PNFS_ROOT)`;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return checks;
}

/**
 * The seasons used, as each source holds them: the DES database (the season source), the running
 * season registry's reservations and the run directories' season.json / dagmaker.rc, read as
 * reserveSeason reads them (the same functions). Throws the season source's error when the
 * database does not answer, and the other counts when the registry does not.
 */
async function seasonsUsed(client: Client, config: WorkerConfig): Promise<string> {
  const source = await seasonSourceFor(config);
  const [database, registry, dirs] = await Promise.all([
    source.usedSeasons(),
    client.connection
      .withDeadline(Date.now() + REGISTRY_TIMEOUT_MS, () => registryReservations(client))
      .then(registrySeasons, (err: unknown) => (err instanceof Error ? err : new Error(String(err)))),
    runSeasons(runsDirsOf(config)),
  ]);
  const unread = registry instanceof Error;
  const counts = describeSeasonsUsed({
    database,
    registry: unread ? null : registry,
    runDirectories: dirs.map((d) => d.season),
  });
  if (unread)
    throw new Error(
      `${counts}; the season registry's reservations query failed (${SEASON_REGISTRY_WORKFLOW_ID}, limit ` +
        `${REGISTRY_TIMEOUT_MS / 1000} s: ${innermostMessage(registry).split(/\n|,/)[0]!.slice(0, 120)}): is the workflow worker running?`,
    );
  return `${counts}; the database's from ${source.describe}`;
}

async function onPath(name: string, path: string): Promise<boolean> {
  for (const dir of path.split(delimiter).filter((d) => d !== '')) {
    if (
      await access(join(dir, name), constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}

/** The table `desgw doctor` prints. */
export function formatChecks(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  return checks.map((c) => `${c.check.padEnd(width)}  ${c.result.padEnd(7)}  ${c.detail}`).join('\n');
}
