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
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Exposure, ExposureResult, ExposureState, ImageProcessingInput, ImageProcessingResult, Progress } from '../common/contract.js';
import { EXPOSURE_STATES } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import type { PriorOutcomes } from '../activities/outcomes.js';
import type { PreparedRun, SourcedEnvironment, ValidatedRun } from '../activities/types.js';
import { activityOptions } from './activity-policies.js';
import { DESGW_BAND, DESGW_EXPOSURE, DESGW_EXPOSURE_COUNT, DESGW_NITE, DESGW_SEASON, DESGW_STATUS } from '../common/search-attributes.js';
import { describeProgress } from './describe.js';
import { exposureWorkflowId, processExposure } from './process-exposure.js';
import { withPaths, withoutPaths } from '../common/exposure-paths.js';
import { exposureStateSignal, progressQuery, proxyRenewedSignal, retryEnvironmentSignal } from './signals.js';

type Activities = ReturnType<typeof createActivities>;

const DEFAULT_PROXY_RECHECK_S = 300;
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
  outcomes: Outcome[];
  continuedAsNew: number;
}

/** An exposure's result without its file paths (they follow from the run directory). */
type Outcome = Omit<ExposureResult, 'band' | 'nite' | 'workDir' | 'dagFile' | 'dagmakerOutFile' | 'submitOutFile'>;

export async function imageProcessing(input: ImageProcessingInput, carried?: CarriedState): Promise<ImageProcessingResult> {
  const { workflowId } = workflowInfo();
  const retryS = input.retryInitialIntervalS;
  const { validateRun, prepareRun, writeOutputs, priorOutcomes } = proxyActivities<Activities>(activityOptions('files', retryS));
  const { reserveSeason } = proxyActivities<Activities>(activityOptions('season', retryS));
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
  const setState = (expnum: number, state: ExposureState, extra: { jobId?: string; error?: string } = {}): void => {
    const entry = entries.get(expnum);
    // A late signal never overrides a final state.
    if (!entry || entry.state === 'submitted' || entry.state === 'failed') return;
    progress.counts[entry.state]--;
    progress.counts[state]++;
    Object.assign(entry, { state, ...extra });
    log.info(`exposure ${expnum}: ${state}`, { expnum, state, season: progress.season, ...extra });
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
  const waitingForProxy = new Set<number>();
  const children = new Map<number, ChildWorkflowHandle<typeof processExposure>>();
  let environmentRetries = 0;
  setHandler(progressQuery, () => progress);
  setHandler(exposureStateSignal, ({ expnum, state, message }) => {
    setState(expnum, state);
    if (state === 'waiting-for-proxy') {
      waitingForProxy.add(expnum);
      progress.waitingFor ??= { what: 'proxy', message: message ?? 'the grid proxy has expired', since: new Date().toISOString() };
    } else {
      waitingForProxy.delete(expnum);
      if (waitingForProxy.size === 0 && progress.waitingFor?.what === 'proxy') delete progress.waitingFor;
    }
    publish();
  });
  setHandler(proxyRenewedSignal, async () => {
    await Promise.all([...waitingForProxy].map((e) => children.get(e)?.signal(proxyRenewedSignal)));
  });
  setHandler(retryEnvironmentSignal, () => void environmentRetries++);

  const startedAt = carried?.startedAt ?? new Date().toISOString();
  let state: CarriedState;
  if (carried) {
    state = carried;
  } else {
    publish();
    const run = await validateRun({ ...input, workflowId });
    upsertSearchAttributes([
      { key: DESGW_NITE, value: [...new Set(run.exposures.map((e) => e.nite))] },
      { key: DESGW_EXPOSURE_COUNT, value: run.exposures.length },
    ]);
    progress.phase = 'allocating-season';
    publish();
    const { season } = await reserveSeason({ owner: workflowId, requested: input.season });
    upsertSearchAttributes([{ key: DESGW_SEASON, value: season }]);
    progress.season = season;
    progress.phase = 'preparing';
    publish();
    const expnums = run.exposures.map((e) => e.expnum);
    const prepared = await prepareRun({ gwWorkflowDir: run.gwWorkflowDir, runDir: run.runDir, season, rc: run.rc });
    const outcomes = input.resume ? resumedOutcomes(await priorOutcomes({ runDir: run.runDir, expnums }), input.resume.retryFailed === true) : [];
    progress.phase = 'sourcing-environment';
    publish();
    const env = await sourceEnvironmentOrWait(run);
    state = { startedAt, run, season, prepared, env, next: 0, outcomes, continuedAsNew: 0 };
  }
  const { run, season, prepared, env } = state;

  progress.season = season;
  progress.total = run.exposures.length;
  for (const e of run.exposures) {
    const entry = { expnum: e.expnum, band: e.band, state: 'waiting' as ExposureState };
    entries.set(e.expnum, entry);
    progress.exposures.push(entry);
  }
  progress.counts.waiting = run.exposures.length;
  const outcomes = new Map<number, Outcome>();
  const record = (o: Outcome) => {
    outcomes.set(o.expnum, o);
    setState(o.expnum, o.status === 'submitted' ? 'submitted' : 'failed', { jobId: o.jobId, error: o.error });
  };
  state.outcomes.forEach(record);

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
        args: [{ ...exposure, season, workDir, envFile: env.envFile, dagmakerScript: run.dagmakerScript, parentWorkflowId: workflowId, proxyRecheckS, retryInitialIntervalS: retryS }],
      });
      children.set(exposure.expnum, child);
      record(compact(await child.result()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      record(compact(failedReport(err, exposure)));
    } finally {
      children.delete(exposure.expnum);
      waitingForProxy.delete(exposure.expnum);
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
      await condition(() => (inFlight < maxConcurrent && waitingForProxy.size === 0) || historyFull());
      if (historyFull()) {
        // Let the children in flight finish (they belong to this run), then carry on in a new one.
        await Promise.all(running);
        progress.continuedAsNew++;
        await continueAsNew<typeof imageProcessing>(input, { ...state, next, outcomes: [...outcomes.values()], continuedAsNew: progress.continuedAsNew });
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
    // The activity fills in the file paths: the payload stays small however long the list.
    await CancellationScope.nonCancellable(() => writeOutputs({ outputDir: run.outputDir, runDir: prepared.runDir, result: buildResult('cancelled') }));
    throw err;
  }

  progress.phase = 'writing-output';
  publish();
  const result = buildResult('done');
  await writeOutputs({ outputDir: run.outputDir, runDir: prepared.runDir, result });
  progress.phase = 'done';
  publish();
  return run.exposures.length > FULL_RESULT_LIMIT ? result : { ...result, exposures: result.exposures.map((e) => withPaths(e, prepared.runDir)) };

  function buildResult(how: 'done' | 'cancelled'): ImageProcessingResult {
    const exposures = run.exposures
      .map((e): ExposureResult | null => {
        const o = outcomes.get(e.expnum);
        if (o) return { ...e, ...o };
        if (how === 'done') return null;
        return { ...e, status: 'cancelled', warnings: [], attempts: { dagmaker: 0, submit: 0 }, durationsMs: { total: 0 } };
      })
      .filter((e): e is ExposureResult => e !== null);
    const submitted = exposures.filter((e) => e.status === 'submitted').length;
    const failed = exposures.filter((e) => e.status === 'failed').length;
    return {
      workflowId,
      season,
      nites: [...new Set(exposures.map((e) => e.nite))],
      gwWorkflowDir: run.gwWorkflowDir,
      runDir: prepared.runDir,
      outputDir: run.outputDir,
      outputFiles: { outputTxt: `${run.outputDir}/output.txt`, manifest: `${run.outputDir}/manifest.json` },
      duplicatesDropped: run.duplicatesDropped,
      rcChanges: prepared.rcChanges,
      exposures,
      counts: { total: exposures.length, submitted, failed },
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  }

  /** Sources the environment; when that keeps failing, waits for a person to fix it and signal. */
  async function sourceEnvironmentOrWait({ gwWorkflowDir, runDir }: ValidatedRun): Promise<SourcedEnvironment> {
    for (;;) {
      try {
        const env = await sourceEnvironment({ gwWorkflowDir, runDir });
        delete progress.waitingFor;
        return env;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.phase = 'waiting-for-environment';
        progress.waitingFor = {
          what: 'environment',
          message: `${err.cause?.message ?? err.message}\nFix it, then signal retryEnvironment (desgw retry-environment ${workflowId}).`,
          since: new Date().toISOString(),
        };
        publish();
        const seen = environmentRetries;
        await condition(() => environmentRetries > seen);
        progress.phase = 'sourcing-environment';
        publish();
      }
    }
  }
}

function resumedOutcomes(prior: PriorOutcomes, retryFailed: boolean): Outcome[] {
  const submitted = prior.submitted.map(
    (s): Outcome => ({ expnum: s.expnum, status: 'submitted', jobId: s.jobId, resumed: true, warnings: [], attempts: { dagmaker: 0, submit: 0 }, durationsMs: { total: 0 } }),
  );
  const failed = retryFailed
    ? []
    : prior.failed.map((f): Outcome => ({ expnum: f.expnum, status: 'failed', error: f.error, warnings: [], attempts: { dagmaker: 0, submit: 0 }, durationsMs: { total: 0 } }));
  return [...submitted, ...failed];
}

function compact(r: ExposureResult): Outcome {
  const { band: _b, nite: _n, ...rest } = withoutPaths(r);
  return rest;
}

/**
 * The report of an exposure whose child failed: the one it carries (see processExposure), or, when
 * the child could not start or was terminated, one saying so. One exposure never fails the run.
 */
function failedReport(err: unknown, exposure: Exposure): ExposureResult {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === 'ExposureFailed' && cause.details?.[0]) {
    return cause.details[0] as ExposureResult;
  }
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return {
    ...exposure,
    status: 'failed',
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
    error: `exposure workflow did not complete: ${why}`,
  };
}
