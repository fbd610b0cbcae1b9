/**
 * Timeouts and retry policies of every activity, in one table (the README's "Retries and timeouts"
 * table says the same). DAGMaker takes minutes and the environment can hang on cvmfs: the
 * heartbeat timeout is what notices a dead worker, the start-to-close timeout is the last resort.
 * Known permanent errors are raised non-retryable by the activities and never retried.
 * Every activity runs on a queue served only on the DES machine; DAGMaker on its own, whose worker
 * caps how many run at once on that host, whatever the number of runs.
 */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import { DAGMAKER_TASK_QUEUE, SITE_TASK_QUEUE } from '../common/contract.js';

interface Policy {
  taskQueue: string;
  /**
   * How long a task may wait for a worker to start it before the run shows `waiting-for-worker`
   * (it then waits on, and starts the moment a worker takes it). Activities on the site's queue
   * start in milliseconds when its worker is up; DAGMaker's may wait for one of the host's slots.
   */
  scheduleToStartS: number;
  startToCloseTimeout: string;
  heartbeatTimeout?: string;
  initialIntervalS: number;
  maximumIntervalS: number;
  maximumAttempts: number;
  /** Wait until a cancelled activity has stopped (its process group killed). */
  waitForCancellation?: boolean;
}

export const POLICIES = {
  /** validateRun, prepareRun, priorOutcomes, writeOutputs: file work on the DES machine. */
  files: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '10 minutes',
    initialIntervalS: 5,
    maximumIntervalS: 60,
    maximumAttempts: 5,
  },
  /** reserveSeason: the DES database, the run directories and the registry, then one claim (Update) of the registry. */
  season: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '2 minutes',
    initialIntervalS: 2,
    maximumIntervalS: 60,
    maximumAttempts: 10,
  },
  /** sourceEnvironment: setup_img_proc.sh; when it keeps failing, the run waits for a person. */
  environment: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '20 minutes',
    heartbeatTimeout: '60 seconds',
    initialIntervalS: 30,
    maximumIntervalS: 120,
    maximumAttempts: 3,
  },
  /** makeDag: minutes per exposure; after the last attempt the exposure is reported failed. */
  dagmaker: {
    taskQueue: DAGMAKER_TASK_QUEUE,
    scheduleToStartS: 3600,
    startToCloseTimeout: '60 minutes',
    heartbeatTimeout: '60 seconds',
    initialIntervalS: 10,
    maximumIntervalS: 300,
    maximumAttempts: 5,
    waitForCancellation: true,
  },
  /** submitDag: jobsub 5xx and timeouts retried; the submission record makes a retry safe. */
  submit: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '60 seconds',
    initialIntervalS: 15,
    maximumIntervalS: 300,
    maximumAttempts: 6,
    waitForCancellation: true,
  },
  /** recordFailure: one small file. */
  record: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '1 minute',
    initialIntervalS: 1,
    maximumIntervalS: 30,
    maximumAttempts: 10,
  },
  /**
   * checkGrid: a stat of /pnfs per exposure still on the grid, and jobsub_q at most once a minute. It
   * heartbeats as it goes (each stat is abandoned after DESGW_PNFS_TIMEOUT_S); a retry resumes.
   */
  grid: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '2 minutes',
    initialIntervalS: 5,
    maximumIntervalS: 120,
    maximumAttempts: 10,
  },
  /**
   * judgeExposures: 60 listings of /pnfs per exposure, DESGW_PNFS_READS at a time: a night of
   * thousands takes minutes on a slow dCache. It heartbeats per exposure (a listing is abandoned after
   * DESGW_PNFS_TIMEOUT_S), so a dead worker is noticed in minutes and a retry resumes where it stopped.
   */
  judge: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '120 minutes',
    heartbeatTimeout: '2 minutes',
    initialIntervalS: 5,
    maximumIntervalS: 120,
    maximumAttempts: 10,
  },
  /**
   * runPostproc: hours (killed after DESGW_POSTPROC_TIMEOUT_S); run again once, with the --SKIPTO its
   * output directory allows, if it fails; a checkout held by another waits in the workflow.
   */
  postproc: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '480 minutes',
    heartbeatTimeout: '60 seconds',
    initialIntervalS: 30,
    maximumIntervalS: 120,
    maximumAttempts: 2,
    waitForCancellation: true,
  },
  /**
   * An event campaign's long-polls (watchExposureTable, awaitProcessable, watchGrid) and its small
   * steps (lookupExposures, pointLatestPage): each returns with news or after at most half an hour,
   * heartbeating; a dead worker is noticed in half a minute (the watcher's connect and query take at
   * most 25 s); after three attempts the campaign waits (the table: `waiting-for-database`).
   */
  longPoll: {
    taskQueue: SITE_TASK_QUEUE,
    scheduleToStartS: 30,
    startToCloseTimeout: '32 minutes',
    heartbeatTimeout: '30 seconds',
    initialIntervalS: 2,
    maximumIntervalS: 30,
    maximumAttempts: 3,
  },
} satisfies Record<string, Policy>;

/** While a run waits for the worker, its task waits this long to start each time (and starts the moment one takes it). */
export const WORKER_WAIT = '12 hours';

/**
 * Activity options of a kind. `initialIntervalS` (the run's `retryInitialIntervalS`) replaces the
 * first retry interval of every policy, for tests and for nights when waiting is worse than retrying.
 */
export function activityOptions(kind: keyof typeof POLICIES, initialIntervalS?: number): ActivityOptions {
  const p: Policy = POLICIES[kind];
  const initial = initialIntervalS ?? p.initialIntervalS;
  return {
    taskQueue: p.taskQueue,
    scheduleToStartTimeout: `${p.scheduleToStartS} seconds`,
    startToCloseTimeout: p.startToCloseTimeout,
    ...(p.heartbeatTimeout ? { heartbeatTimeout: p.heartbeatTimeout } : {}),
    ...(p.waitForCancellation ? { cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED } : {}),
    retry: {
      initialInterval: `${initial} seconds`,
      backoffCoefficient: 2,
      maximumInterval: `${Math.max(initial, Math.min(p.maximumIntervalS, initial * 10))} seconds`,
      maximumAttempts: p.maximumAttempts,
    },
  };
}
