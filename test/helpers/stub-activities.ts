/**
 * The fast tier's worker: the real workflows on a real dev server, with the activities replaced by
 * small functions of the test's own, so a workflow's orchestration (the window, waits, continue-as-
 * new, failure reports) is checked in seconds. The stub validateRun hands the run its pacing, as the
 * site's settings would: short retries and re-checks, without any test knob in the public input.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { createActivities } from '../../activities/index.js';
import type { ValidatedRun } from '../../activities/types.js';
import type { CheckGridInput } from '../../activities/post-processing-types.js';
import { summarize } from '../../common/verdict-summary.js';
import { DAGMAKER_TASK_QUEUE, SITE_TASK_QUEUE, TASK_QUEUE, type Exposure } from '../../common/contract.js';
import { Failure, type FailureType } from '../../common/failures.js';
import { DEFAULT_TIMING, type RunTiming } from '../../common/settings.js';
import { ensureSearchAttributes } from '../../workers/search-attributes.js';
import { workflowBundle } from './harness.js';
import { notifySinks } from '../../workers/notify.js';

export type Activities = ReturnType<typeof createActivities>;

/** The exposures a checkGrid input names as still on the grid (today's columns, or older input's objects). */
export function pendingExpnums(input: CheckGridInput): number[] {
  return input.pending?.expnums ?? (input.exposures ?? []).map((e) => e.expnum);
}

/** A run of `exposures` (i band, one night) as validateRun would answer it, paced by `timing`. */
export function validatedRun(exposures: number[], timing: Partial<RunTiming> = {}, maxConcurrent = 5): ValidatedRun {
  return {
    listFile: '/stub/night.list',
    gwWorkflowDir: '/stub/gw_workflow',
    outputDir: '/stub/image_proc_outputs',
    runDir: '/stub/desgw_runs/run',
    exposures: exposures.map((expnum): Exposure => ({ expnum, band: 'i', nite: '20231014' })),
    duplicatesDropped: [],
    rc: {},
    maxConcurrent,
    dagmakerScript: 'DAGMaker.sh',
    refreshedExposures: false,
    timing: {
      ...DEFAULT_TIMING,
      retryInitialIntervalS: 0.05,
      proxyRecheckS: 0.2,
      outageRecheckS: 0.05,
      outageRecheckMaxS: 0.1,
      ...timing,
    },
  };
}

/** Activities that do nothing but succeed at once; a test replaces the ones it is about. */
export function stubActivities(run: ValidatedRun, overrides: Partial<Activities> = {}): Activities {
  const stubs: Activities = {
    validateRun: async () => run,
    reserveSeason: async () => ({ season: 612, alreadyHeld: false }),
    prepareRun: async () => ({ rcFile: '/stub/rc', rcDiffFile: '/stub/rc.diff', rcChanges: [], runDir: run.runDir }),
    sourceEnvironment: async () => ({
      envFile: '/stub/environment.json',
      variableCount: 1,
      jobsubSubmitDag: '/stub/jobsub_submit_dag',
      durationMs: 1,
    }),
    makeDag: async ({ expnum }) => ({
      dagFile: `${expnum}.dag`,
      outFile: `${expnum}.out`,
      warnings: [],
      recommendedSubmit: '',
      durationMs: 1,
      attempt: 1,
    }),
    submitDag: async ({ expnum }) => ({
      jobId: `${expnum}.0@jobsub01.fnal.gov`,
      outFile: `${expnum}.sub`,
      durationMs: 1,
      attempt: 1,
      recovered: false,
    }),
    writeOutputs: async () => ({
      outputTxt: '/stub/output.txt',
      manifest: '/stub/manifest.json',
      latestOutputTxt: '/stub/latest.txt',
    }),
    recordFailure: async () => undefined,
    priorOutcomes: async () => ({ submitted: [], failed: [] }),
    previewSeason: async () => ({ season: 612, source: 'stub' }),
    previewRc: async () => ({ changes: [], diff: '' }),
    resolvePostProcessing: async () => ({
      season: 612,
      exposures: run.exposures.map((e) => ({ ...e, jobId: `${e.expnum}.0@jobsub01.fnal.gov` })),
      bands: ['i'],
      trigger: { triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' },
      postProcessingDir: '/stub/Post-Processing',
      outputDir: '/stub/postproc_outputs/run',
      pnfsRoot: '/stub/pnfs',
      minCompleteCcds: 50,
      gridDeadlineHours: 12,
      skipTo: null,
      pollS: 0.05,
      jobsubQEveryS: 60,
    }),
    checkGrid: async (input) => {
      const expnums = pendingExpnums(input);
      return {
        finished: expnums.map((expnum) => ({ expnum, how: 'runend' as const })),
        pnfsReads: expnums.length,
        jobsubQCalls: 0,
      };
    },
    // Today's shape: the summary (what older workflow code got, the verdicts, is what the replayed histories hold).
    judgeExposures: async ({ columns, minCompleteCcds }) => {
      const c = columns!;
      const verdicts = c.expnums.map((expnum, i) => {
        const finished = c.finished[i] ?? null;
        return { expnum, band: c.bands[i]!, nite: c.nites[i]!, finished, passed: finished !== null };
      });
      return {
        summary: summarize(verdicts, minCompleteCcds, '/stub/verdicts.json'),
        pnfsReads: verdicts.length * 60,
        pnfsTimeouts: 0,
      };
    },
    writePostprocInputs: async () => ({
      listFile: '/stub/list',
      iniFile: '/stub/ini',
      listName: 'list',
      iniName: 'ini',
    }),
    runPostproc: async () => ({
      outcome: 'success',
      reason: 'stub',
      masterHtml: '/stub/masterHTML612.html',
      logFile: '/stub/postproc_run.out',
      skipTo: null,
      durationMs: 1,
    }),
    watchExposureTable: async ({ afterId }) => ({
      rows: [],
      cursor: afterId,
      polls: 1,
      lastPollAt: new Date(0).toISOString(),
    }),
    lookupExposures: async ({ expnums }) => ({ rows: [], missing: expnums }),
    validateCampaign: async () => ({
      gwWorkflowDir: run.gwWorkflowDir,
      outputDir: run.outputDir,
      runDir: run.runDir,
      rc: {},
      maxConcurrent: run.maxConcurrent,
      dagmakerScript: 'DAGMaker.sh',
      timing: run.timing ?? DEFAULT_TIMING,
      pollS: 0.05,
    }),
    watchGrid: async ({ exposures }) => ({
      finished: exposures.map((e) => ({ expnum: e.expnum, how: 'runend' as const })),
      polls: 1,
      jobsubQCalls: 0,
    }),
    pointLatestPage: async ({ runDir }) => ({ latestPage: `${runDir}/latest/index.html` }),
    awaitProcessable: async ({ rows }) => ({
      present: rows.map((r) => ({
        expnum: r.expnum,
        path: `/stub/${r.expnum}.fits.fz`,
        seenAt: new Date().toISOString(),
      })),
    }),
  };
  return { ...stubs, ...overrides };
}

/** A failure as an activity raises it (type, retryable or not). */
export function failure(
  type: FailureType,
  message: string,
  nonRetryable = type === Failure.ProxyExpired,
): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable, details: [{ attempt: 1 }] });
}

/** Runs `fn` while the workflows (unless `workflows: false`) and the stub activities serve on the dev server `env`. */
export async function withStubs<T>(
  env: TestWorkflowEnvironment,
  activities: Activities,
  fn: () => Promise<T>,
  { workflows = true }: { workflows?: boolean } = {},
): Promise<T> {
  const namespace = env.namespace ?? 'default';
  await ensureSearchAttributes(env.nativeConnection, namespace);
  const connection = env.nativeConnection;
  const { makeDag, ...site } = activities;
  const workers = await Promise.all([
    ...(workflows
      ? [
          Worker.create({
            connection,
            namespace,
            taskQueue: TASK_QUEUE,
            workflowBundle: await workflowBundle(),
            sinks: notifySinks(null),
          }),
        ]
      : []),
    Worker.create({ connection, namespace, taskQueue: SITE_TASK_QUEUE, activities: site }),
    Worker.create({ connection, namespace, taskQueue: DAGMAKER_TASK_QUEUE, activities: { makeDag } }),
  ]);
  const done = fn();
  await Promise.all(workers.map((w) => w.runUntil(done.catch(() => undefined))));
  return done;
}
