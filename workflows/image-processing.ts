/**
 * `imageProcessing`: the parent run. Validates the input, reserves a season, writes the run's
 * dagmaker.rc, sources the site environment, then runs one `processExposure` child per exposure,
 * at most `maxConcurrent` at once (a sliding window), and hands post-processing its output.
 *
 * It waits rather than fails when a person can fix the cause: an expired grid proxy (new work
 * pauses until `proxyRenewed`), a site environment that will not source (`retryEnvironment`).
 * A long run continues as new, carrying its state, before its history grows large.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowFailure,
  type ChildWorkflowHandle,
  type SignalDefinition,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  Exposure,
  ExposureResult,
  ExposureState,
  ImageProcessingInput,
  ImageProcessingResult,
  Progress,
} from '../common/contract.js';
import { EXPOSURE_STATES } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import type { PriorOutcomes } from '../activities/prior-outcomes.js';
import type { PreparedRun, SourcedEnvironment, ValidatedRun, WriteOutputsInput } from '../activities/types.js';
import { packResult, unpackResult, type PackedResult, type PathlessResult } from '../common/outcome-codec.js';
import { activityOptions } from './activity-policies.js';
import { DESGW_BAND, DESGW_EXPOSURE, DESGW_NITE, DESGW_SEASON, DESGW_STATUS } from '../common/search-attributes.js';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { errorForHistory, Failure, type WaitingFor } from '../common/failures.js';
import { describeProgress } from './describe.js';
import {
  DEFAULT_OUTAGE_RECHECK_MAX_S,
  DEFAULT_OUTAGE_RECHECK_S,
  exposureWorkflowId,
  processExposure,
} from './process-exposure.js';
import { waitOf, waitOut } from './wait-out.js';
import { withPaths, withoutPaths } from '../common/run-files.js';
import {
  exposureStateSignal,
  progressQuery,
  proxyRenewedSignal,
  retryEnvironmentSignal,
  retryNowSignal,
} from '../common/messages.js';

type Activities = ReturnType<typeof createActivities>;

const DEFAULT_PROXY_RECHECK_S = 300;
/** Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code"). */
const NO_EXPOSURE_COUNT = 'no-exposure-count-search-attribute';
const WAIT_FOR_DATABASE = 'season-waits-for-database';
const DEFAULT_HISTORY_EVENT_LIMIT = 10_000;
/** Above this many exposures the result leaves out the file paths (manifest.json has them). */
const FULL_RESULT_LIMIT = 1000;

/** What a run carries across continue-as-new. */
export interface CarriedState {
  startedAt: string;
  run: ValidatedRun;
  season: number;
  prepared: PreparedRun;
  env: SourcedEnvironment;
  /** Index in run.exposures of the next exposure to start. */
  next: number;
  /** Results so far, packed (a run from before packing carried them whole). */
  outcomes: (PackedResult | Outcome)[];
  continuedAsNew: number;
}

/** An exposure's result without what follows from the run (band, nite, file paths). */
type Outcome = Omit<PathlessResult, 'band' | 'nite'>;

export async function imageProcessing(
  input: ImageProcessingInput,
  carried?: CarriedState,
): Promise<ImageProcessingResult> {
  const { workflowId } = workflowInfo();
  const retryS = input.retryInitialIntervalS;
  const { validateRun, prepareRun, writeOutputs, priorOutcomes } = proxyActivities<Activities>(
    activityOptions('files', retryS),
  );
  const { reserveSeason } = proxyActivities<Activities>(activityOptions('season', retryS));
  const { reserveSeason: reserveSeasonOnce } = proxyActivities<Activities>({
    ...activityOptions('season', retryS),
    retry: { maximumAttempts: 1 },
  });
  const { sourceEnvironment } = proxyActivities<Activities>(activityOptions('environment', retryS));
  const progress: Progress = {
    workflowId,
    phase: 'validating',
    total: 0,
    counts: Object.fromEntries(EXPOSURE_STATES.map((s) => [s, 0])) as Record<ExposureState, number>,
    continuedAsNew: carried?.continuedAsNew ?? 0,
    exposures: [],
  };
  const entries = new Map<number, Progress['exposures'][number]>();
  const setState = (
    expnum: number,
    state: ExposureState,
    extra: Partial<Pick<Progress['exposures'][number], 'jobId' | 'error' | 'resumed' | 'recovered'>> = {},
  ): void => {
    const entry = entries.get(expnum);
    // A late signal never overrides a final state.
    if (!entry || entry.state === 'submitted' || entry.state === 'failed') return;
    progress.counts[entry.state]--;
    progress.counts[state]++;
    Object.assign(entry, { state }, definedOnly(extra));
    log.info(`exposure ${expnum}: ${state}`, {
      expnum,
      state,
      season: progress.season,
      jobId: extra.jobId,
      error: extra.error,
    });
    publish();
  };
  /** What the Web UI shows: the run's current details and its DesgwStatus search attribute. */
  let shownStatus = '';
  const publish = (): void => {
    setCurrentDetails(describeProgress(progress));
    const status = progress.waitingFor ? `waiting-for-${progress.waitingFor.what}` : progress.phase;
    if (status !== shownStatus) {
      upsertSearchAttributes([{ key: DESGW_STATUS, value: status }]);
      shownStatus = status;
    }
  };
  /** What the children in flight wait for (a child tells once when it starts waiting, and when it moves on). */
  const childWaits = new Map<number, NonNullable<Progress['waitingFor']>>();
  /** What the run itself waits for (its environment, the DES database for its season). */
  let runWait: Progress['waitingFor'];
  const showWaiting = (): void => {
    const waiting = runWait ?? childWaits.values().next().value;
    if (waiting) progress.waitingFor = waiting;
    else delete progress.waitingFor;
  };
  const waitingForProxy = () => [...childWaits.values()].some((w) => w.what === 'proxy');
  const children = new Map<number, ChildWorkflowHandle<typeof processExposure>>();
  let environmentRetries = 0;
  let wakeups = 0;
  setHandler(progressQuery, () => progress);
  setHandler(exposureStateSignal, ({ expnum, state, message }) => {
    setState(expnum, state);
    const what = WAITING_STATES[state];
    if (what) {
      if (childWaits.get(expnum)?.what !== what)
        childWaits.set(expnum, { what, message: message ?? `waiting for ${what}`, since: new Date().toISOString() });
    } else {
      childWaits.delete(expnum);
    }
    showWaiting();
    publish();
  });
  /** Passes a wake-up on to the children that wait; a child that has just closed is no failure of the run. */
  const wakeChildren = async (
    signal: SignalDefinition<[], string>,
    which: (w: NonNullable<Progress['waitingFor']>) => boolean,
  ): Promise<void> => {
    const waiting = [...childWaits].filter(([, w]) => which(w)).map(([e]) => children.get(e));
    await Promise.allSettled(waiting.map((child) => child?.signal(signal)));
  };
  setHandler(proxyRenewedSignal, () => wakeChildren(proxyRenewedSignal, (w) => w.what === 'proxy'));
  setHandler(retryEnvironmentSignal, () => void environmentRetries++);
  setHandler(retryNowSignal, async () => {
    environmentRetries++;
    wakeups++;
    await wakeChildren(retryNowSignal, () => true);
  });

  const startedAt = carried?.startedAt ?? new Date().toISOString();
  let state: CarriedState;
  if (carried) {
    state = carried;
  } else {
    publish();
    const run = await validateRun({ ...input, workflowId, firstExecutionRunId: workflowInfo().firstExecutionRunId });
    // DesgwExposureCount took an Int search attribute slot of the three SQL visibility has; the count is in the progress.
    const nites = { key: DESGW_NITE, value: [...new Set(run.exposures.map((e) => e.nite))] };
    upsertSearchAttributes(
      patched(NO_EXPOSURE_COUNT)
        ? [nites]
        : [
            nites,
            {
              key: defineSearchAttributeKey('DesgwExposureCount', SearchAttributeType.INT),
              value: run.exposures.length,
            },
          ],
    );
    progress.phase = 'allocating-season';
    publish();
    const { season } = await reserveSeasonOrWait();
    upsertSearchAttributes([{ key: DESGW_SEASON, value: season }]);
    progress.season = season;
    progress.phase = 'preparing';
    publish();
    const expnums = run.exposures.map((e) => e.expnum);
    const prepared = await prepareRun({
      gwWorkflowDir: run.gwWorkflowDir,
      runDir: run.runDir,
      season,
      rc: run.rc,
      expnums,
      workflowId,
      firstExecutionRunId: workflowInfo().firstExecutionRunId,
    });
    const outcomes = input.resume
      ? resumedOutcomes(await priorOutcomes({ runDir: run.runDir, expnums }), input.resume.retryFailed === true)
      : [];
    progress.phase = 'sourcing-environment';
    publish();
    const env = await sourceEnvironmentOrWait(run);
    state = { startedAt, run, season, prepared, env, next: 0, outcomes, continuedAsNew: 0 };
  }
  const { run, season, prepared, env } = state;

  progress.season = season;
  progress.total = run.exposures.length;
  for (const e of run.exposures) {
    const entry: Progress['exposures'][number] = { expnum: e.expnum, band: e.band, state: 'waiting' };
    entries.set(e.expnum, entry);
    progress.exposures.push(entry);
  }
  progress.counts.waiting = run.exposures.length;
  const outcomes = new Map<number, Outcome>();
  const record = (o: Outcome) => {
    outcomes.set(o.expnum, o);
    setState(o.expnum, o.status === 'submitted' ? 'submitted' : 'failed', {
      jobId: o.jobId,
      error: o.error,
      resumed: o.resumed,
      recovered: o.recovered,
    });
  };
  state.outcomes.forEach((o) => record(Array.isArray(o) ? withoutExposure(unpackResult(o)) : o));
  const big = run.exposures.length > FULL_RESULT_LIMIT;

  progress.phase = 'processing';
  publish();
  const maxConcurrent = run.maxConcurrent;
  const historyLimit = input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT;
  const proxyRecheckS = input.proxyRecheckS ?? DEFAULT_PROXY_RECHECK_S;
  let inFlight = 0;
  let next = state.next;
  const running: Promise<void>[] = [];

  const runOne = async (exposure: Exposure): Promise<void> => {
    const workDir = `${prepared.runDir}/exp_${exposure.expnum}`;
    inFlight++;
    setState(exposure.expnum, 'making-dag');
    try {
      const child = await startChild(processExposure, {
        workflowId: exposureWorkflowId(season, exposure.expnum),
        staticSummary: `exposure ${exposure.expnum} (${exposure.band}, ${exposure.nite}), season ${season}`,
        typedSearchAttributes: [
          { key: DESGW_SEASON, value: season },
          { key: DESGW_EXPOSURE, value: exposure.expnum },
          { key: DESGW_BAND, value: exposure.band },
          { key: DESGW_NITE, value: [exposure.nite] },
        ],
        args: [
          {
            ...exposure,
            season,
            workDir,
            envFile: env.envFile,
            dagmakerScript: run.dagmakerScript,
            parentWorkflowId: workflowId,
            proxyRecheckS,
            ...(input.outageRecheckS !== undefined
              ? {
                  outageRecheckS: input.outageRecheckS,
                  outageRecheckMaxS: input.outageRecheckMaxS ?? input.outageRecheckS,
                }
              : {}),
            retryInitialIntervalS: retryS,
          },
        ],
      });
      children.set(exposure.expnum, child);
      record(compact(await child.result()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      record(compact(failedReport(err, exposure)));
    } finally {
      children.delete(exposure.expnum);
      if (childWaits.delete(exposure.expnum)) {
        showWaiting();
        publish();
      }
      inFlight--;
    }
  };

  const historyFull = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit;
  try {
    // Sliding window: a new child starts the moment one finishes, never more than maxConcurrent at
    // once, and none while a child waits for a renewed proxy.
    while (next < run.exposures.length) {
      // Exposures an earlier run of this id submitted (or that failed for good) are done already.
      if (outcomes.has(run.exposures[next]!.expnum)) {
        next++;
        continue;
      }
      await condition(() => (inFlight < maxConcurrent && !waitingForProxy()) || historyFull());
      if (historyFull()) {
        // Let the children in flight finish (they belong to this run), then carry on in a new one.
        await Promise.all(running);
        progress.continuedAsNew++;
        const packed = run.exposures
          .filter((e) => outcomes.has(e.expnum))
          .map((e) => packResult({ ...e, ...outcomes.get(e.expnum)! }, !big));
        await continueAsNew<typeof imageProcessing>(input, {
          ...state,
          next,
          outcomes: packed,
          continuedAsNew: progress.continuedAsNew,
        });
      }
      running.push(runOne(run.exposures[next++]!));
    }
    await Promise.all(running);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Cancelled: the children are being cancelled (their DAGMakers killed); record what was done.
    await Promise.allSettled(running);
    progress.phase = 'cancelled';
    publish();
    await CancellationScope.nonCancellable(() => writeOutputs(outputsOf(buildResult('cancelled'))));
    throw err;
  }

  progress.phase = 'writing-output';
  publish();
  const result = buildResult('done');
  await writeOutputs(outputsOf(result));
  progress.phase = 'done';
  publish();
  // A long run's result leaves its exposures to manifest.json: the result must stay far under the 2 MB payload limit.
  return big
    ? { ...result, exposures: [] }
    : { ...result, exposures: result.exposures.map((e) => withPaths(e, prepared.runDir)) };

  /** What writeOutputs is sent: the activity fills in file paths and whole errors; a long list goes packed. */
  function outputsOf(r: ImageProcessingResult): WriteOutputsInput {
    const base = { outputDir: run.outputDir, runDir: prepared.runDir };
    return big
      ? { ...base, result: { ...r, exposures: [] }, packed: r.exposures.map((e) => packResult(e, false)) }
      : { ...base, result: r };
  }

  function buildResult(how: 'done' | 'cancelled'): ImageProcessingResult {
    const exposures = run.exposures
      .map((e): PathlessResult | null => {
        const o = outcomes.get(e.expnum);
        if (o) return { ...e, ...o };
        if (how === 'done') return null;
        return {
          ...e,
          status: 'cancelled',
          warnings: [],
          attempts: { dagmaker: 0, submit: 0 },
          durationsMs: { total: 0 },
        };
      })
      .filter((e): e is PathlessResult => e !== null);
    const submitted = exposures.filter((e) => e.status === 'submitted').length;
    const failed = exposures.filter((e) => e.status === 'failed').length;
    return {
      workflowId,
      season,
      nites: [...new Set(exposures.map((e) => e.nite))],
      gwWorkflowDir: run.gwWorkflowDir,
      runDir: prepared.runDir,
      outputDir: run.outputDir,
      outputFiles: {
        outputTxt: `${prepared.runDir}/output.txt`,
        manifest: `${prepared.runDir}/manifest.json`,
        latestOutputTxt: `${run.outputDir}/output.txt`,
      },
      duplicatesDropped: run.duplicatesDropped,
      rcChanges: prepared.rcChanges,
      exposures,
      counts: { total: exposures.length, submitted, failed },
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  }

  /**
   * Reserves the season. When the DES database does not answer after the quick retries, the run
   * waits for it (waiting-for-database), re-checking with backoff or at once on retryNow.
   */
  async function reserveSeasonOrWait(): Promise<{ season: number }> {
    const request = { owner: workflowId, requested: input.season };
    try {
      return await reserveSeason(request);
    } catch (err) {
      const waiting = waitOf(err);
      if (waiting?.what !== 'database' || !patched(WAIT_FOR_DATABASE)) throw err;
      const recheck = {
        proxyS: proxyRecheckS,
        outageS: input.outageRecheckS ?? DEFAULT_OUTAGE_RECHECK_S,
        outageMaxS: input.outageRecheckMaxS ?? input.outageRecheckS ?? DEFAULT_OUTAGE_RECHECK_MAX_S,
      };
      const reservation = await waitOut(
        waiting,
        recheck,
        () => wakeups,
        (w) => {
          runWait = {
            what: w.what,
            message: `${w.message}\nIt is re-checked with backoff; to check now: desgw retry-now ${workflowId}.`,
            since: new Date().toISOString(),
          };
          showWaiting();
          publish();
        },
        () => reserveSeasonOnce(request),
      );
      runWait = undefined;
      showWaiting();
      return reservation;
    }
  }

  /** Sources the environment; when that keeps failing, waits for a person to fix it and signal. */
  async function sourceEnvironmentOrWait({ gwWorkflowDir, runDir }: ValidatedRun): Promise<SourcedEnvironment> {
    for (;;) {
      try {
        const env = await sourceEnvironment({ gwWorkflowDir, runDir });
        runWait = undefined;
        showWaiting();
        return env;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.phase = 'waiting-for-environment';
        runWait = {
          what: 'environment',
          message: `${err.cause?.message ?? err.message}\nFix it, then signal retryEnvironment (desgw retry-environment ${workflowId}).`,
          since: new Date().toISOString(),
        };
        showWaiting();
        publish();
        const seen = environmentRetries;
        await condition(() => environmentRetries > seen);
        progress.phase = 'sourcing-environment';
        publish();
      }
    }
  }
}

/** Exposure states that say what a child waits for. */
const WAITING_STATES: Partial<Record<ExposureState, WaitingFor>> = {
  'waiting-for-proxy': 'proxy',
  'waiting-for-jobsub': 'jobsub',
  'waiting-for-database': 'database',
};

/** The fields of `o` that are set (a flag absent stays absent in the progress). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function resumedOutcomes(prior: PriorOutcomes, retryFailed: boolean): Outcome[] {
  const submitted = prior.submitted.map((s): Outcome => ({
    expnum: s.expnum,
    status: 'submitted',
    jobId: s.jobId,
    resumed: true,
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
  }));
  const failed = retryFailed
    ? []
    : prior.failed.map((f): Outcome => ({
        expnum: f.expnum,
        status: 'failed',
        error: f.error,
        warnings: [],
        attempts: { dagmaker: 0, submit: 0 },
        durationsMs: { total: 0 },
      }));
  return [...submitted, ...failed];
}

function compact(r: ExposureResult): Outcome {
  return withoutExposure(withoutPaths(r));
}

function withoutExposure(r: PathlessResult): Outcome {
  const { band: _b, nite: _n, ...rest } = r;
  return rest;
}

/**
 * The report of an exposure whose child failed: the one it carries (see processExposure), or, when
 * the child could not start or was terminated, one saying so. One exposure never fails the run.
 */
function failedReport(err: unknown, exposure: Exposure): ExposureResult {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === Failure.ExposureFailed && cause.details?.[0]) {
    return cause.details[0] as ExposureResult;
  }
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return {
    ...exposure,
    status: 'failed',
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
    error: errorForHistory(`exposure workflow did not complete: ${why}`),
  };
}
