/**
 * The workers of one process, by role: workflows on the public task queue (they may run
 * anywhere), the site's activities, and DAGMaker with its host-wide cap (on the DES machine).
 * `npm run worker` and the tests build them here, so both run the same wiring.
 */
import { tellFailedAttempts } from './attempt-interceptor.js';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { SeasonSource } from '../activities/support/season-source.js';
import type { PnfsFs } from '../activities/support/pnfs-reads.js';
import { DAGMAKER_TASK_QUEUE, SITE_TASK_QUEUE, TASK_QUEUE } from '../common/contract.js';
import type { WorkerConfig } from './config.js';
import { notifySinks } from './notify.js';
import { stat } from 'node:fs/promises';

export interface WorkerSetOptions {
  connection: NativeConnection;
  namespace: string;
  config: WorkerConfig;
  seasons: SeasonSource;
  /** A prebuilt bundle (tests), else the workflows are bundled from source. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** How /pnfs is read: the worker's /pnfs reader process unless a bench hands in a stand-in (e.g. a slow one). */
  pnfsFs?: PnfsFs;
}

export async function createWorkers({
  connection,
  namespace,
  config,
  seasons,
  workflowBundle,
  pnfsFs,
}: WorkerSetOptions): Promise<Worker[]> {
  const { makeDag, ...siteActivities } = createActivities({ config, seasons, ...(pnfsFs ? { pnfsFs } : {}) });
  // Heartbeats carry cancellation back: without this the SDK batches them up to 48 s apart
  // (0.8 × the heartbeat timeout) and a cancelled run's DAGMakers would linger that long.
  const heartbeats = {
    maxHeartbeatThrottleInterval: `${config.heartbeatEveryS} seconds`,
    defaultHeartbeatThrottleInterval: `${config.heartbeatEveryS} seconds`,
  };
  // A stopping worker lets running activities finish for this long before it stops them (the SDK's default is 0).
  const site = {
    ...heartbeats,
    shutdownGraceTime: `${config.shutdownGraceS} seconds`,
    // A failed attempt of DAGMaker or a submission is shown while its retry waits.
    interceptors: { activity: [tellFailedAttempts] },
  };
  const workers: Promise<Worker>[] = [];
  if (config.roles.includes('workflows')) {
    workers.push(
      Worker.create({
        connection,
        namespace,
        taskQueue: TASK_QUEUE,
        maxCachedWorkflows: config.maxCachedWorkflows,
        sinks: notifySinks(config.notifyCommand),
        ...(workflowBundle ? { workflowBundle } : await prebuiltOrSource()),
      }),
    );
  }
  if (config.roles.includes('site'))
    workers.push(
      Worker.create({ connection, namespace, taskQueue: SITE_TASK_QUEUE, activities: siteActivities, ...site }),
    );
  if (config.roles.includes('dagmaker')) {
    workers.push(
      Worker.create({
        connection,
        namespace,
        taskQueue: DAGMAKER_TASK_QUEUE,
        activities: { makeDag },
        maxConcurrentActivityTaskExecutions: config.dagmakerSlots,
        ...site,
      }),
    );
  }
  return Promise.all(workers);
}

/** The bundle `make build` wrote (dist/workflow-bundle.js), else the workflow sources to bundle now. */
async function prebuiltOrSource(): Promise<{ workflowBundle: { codePath: string } } | { workflowsPath: string }> {
  const codePath = new URL('../workflow-bundle.js', import.meta.url).pathname;
  return (await stat(codePath).then(
    (s) => s.isFile(),
    () => false,
  ))
    ? { workflowBundle: { codePath } }
    : { workflowsPath: new URL('../workflows/index.js', import.meta.url).pathname };
}

/** Runs the workers until `until` settles (or until they are shut down, without it). */
export async function runWorkers<T>(workers: Worker[], until?: Promise<T>): Promise<T | undefined> {
  if (!until) {
    await Promise.all(workers.map((w) => w.run()));
    return undefined;
  }
  const results = await Promise.all(workers.map((w) => w.runUntil(until)));
  return results[0];
}
