/**
 * `imageProcessing`: the parent run, in the README's steps: validate the input, reserve a season,
 * prepare the run's dagmaker.rc and working directories, source the site environment, process the
 * exposures (one `processExposure` child each, at most `maxConcurrent` at once), and hand
 * post-processing its output.
 *
 * It waits rather than fails when a person or the site can fix the cause: an expired grid proxy (new
 * work pauses until `proxyRenewed`), a site environment that will not source (`retryEnvironment`),
 * jobsub or the DES database down (re-checked, or `retryNow`). A long run continues as new, carrying
 * its state, before its history grows large.
 */
import {
  ActivityFailure,
  CancellationScope,
  type ChildWorkflowHandle,
  ContinueAsNew,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  proxyActivities,
  type SignalDefinition,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { createActivities } from '../activities/index.js';
import type { PreparedRun, SourcedEnvironment, ValidatedRun } from '../activities/types.js';
import type { Exposure, ImageProcessingInput, ImageProcessingResult } from '../common/contract.js';
import { errorForHistory, innermostMessage, innermostType, type WaitingFor } from '../common/failures.js';
import { nextStep, oneLine, waitAdvice } from '../common/next-step.js';
import {
  exposureStateSignal,
  progressQuery,
  proxyRenewedSignal,
  retryEnvironmentSignal,
  retryNowSignal,
} from '../common/messages.js';
import { packResult, unpackResult, type PackedResult } from '../common/outcome-codec.js';
import { RUN_FILES, withPaths, workDirOf } from '../common/run-files.js';
import { DESGW_BAND, DESGW_EXPOSURE, DESGW_NITE, DESGW_SEASON } from '../common/search-attributes.js';
import { isTestSeason } from '../common/season-rules.js';
import { activityOptions, WORKER_WAIT } from './activity-policies.js';
import { exposureWorkflowId, processExposure } from './process-exposure.js';
import { postProcessing } from './post-processing.js';
import { DEFAULT_TIMING, type RunTiming } from '../common/settings.js';
import { RunProgress } from './progress.js';
import {
  buildResult,
  failedReport,
  FULL_RESULT_LIMIT,
  type Outcome,
  outcomeOf,
  outputsOf,
  resumedOutcomes,
  returnedResult,
  type RunFacts,
  submittedExposures,
  withoutExposure,
  withPostProcessing,
} from './result.js';
import { onSite } from './on-site.js';
import { waitOf, waitOut } from './wait-out.js';
import { slidingWindow } from './window.js';

type Activities = ReturnType<typeof createActivities>;

/** Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code"). */
const NO_EXPOSURE_COUNT = 'no-exposure-count-search-attribute';
const WAIT_FOR_DATABASE = 'season-waits-for-database';
/** A failed run publishes DesgwStatus=failed (an upsert) and why, before it ends. */
const PUBLISH_FAILURE = 'run-publishes-its-failure';
/** A resume first reads what is left to do, and with nothing left writes nothing (not even output.txt). */
const RESUME_NOTHING_LEFT = 'resume-with-nothing-left-writes-nothing';
/** A child's exposureState is believed only from a child this run is running (see listen). */
const CHILD_SIGNALS_CHECKED = 'child-signals-checked';
/** A child of a shared test season (2206, 2208) has an id of its own run's (exposureWorkflowId). */
const CHILD_ID_PER_RUN = 'shared-season-child-id-per-run';

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
  /** The DesgwStatus the run showed when it continued as new: not upserted or told again (absent before). */
  shownStatus?: string;
}

export async function imageProcessing(
  input: ImageProcessingInput,
  carried?: CarriedState,
): Promise<ImageProcessingResult> {
  const { workflowId } = workflowInfo();
  const progress = new RunProgress(workflowId, carried?.continuedAsNew ?? 0, carried?.shownStatus);
  const signals = listen(progress);
  const steps = new Steps(input, progress, signals);

  try {
    return await theSteps();
  } catch (err) {
    // A run that failed says why and what to do next, everywhere it shows; it tells the night's people too.
    if (!isCancellation(err) && !(err instanceof ContinueAsNew)) {
      const reason = oneLine(innermostMessage(err));
      const next = nextStep('run', workflowId, 'failed', innermostType(err));
      log.error(`run ${workflowId} failed: ${reason} — next: ${next}`, { reason, next });
      if (patched(PUBLISH_FAILURE)) progress.failed(errorForHistory(reason), next);
      progress.notify('failed', err instanceof Error ? err.message : String(err));
    }
    throw err;
  }

  async function theSteps(): Promise<ImageProcessingResult> {
    const set = carried ?? (await steps.setUp());
    if ('nothingLeft' in set) {
      progress.phase('done');
      return set.nothingLeft;
    }
    const state = set;
    if (carried) steps.pace(carried.run);
    const facts: RunFacts = { workflowId, ...state };
    const outcomes = steps.track(state);
    try {
      await steps.processExposures(state, outcomes);
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // Cancelled: record what was done (the rest `cancelled`) before the run ends cancelled.
      progress.cancelUnfinished();
      progress.phase('cancelled');
      await CancellationScope.nonCancellable(() => steps.handOff(buildResult(facts, outcomes, 'cancelled'), facts));
      throw err;
    }
    progress.phase('writing-output');
    const handedOff = buildResult(facts, outcomes, 'done');
    await steps.handOff(handedOff, facts);
    const result = input.postProcessing ? await steps.postProcess(handedOff, state) : handedOff;
    progress.phase('done');
    // A long run's result leaves its exposures to manifest.json: the result must stay far under the 2 MB payload limit.
    return returnedResult(result, state.run.exposures.length, state.prepared.runDir);
  }
}

/** What people and children tell a run, and what it passes on to its children. */
interface Signals {
  children: Map<number, ChildWorkflowHandle<typeof processExposure>>;
  /** Exposures whose child this run is starting or running (a child may speak before its start resolves). */
  live: Set<number>;
  environmentRetries: () => number;
  wakeups: () => number;
}

function listen(progress: RunProgress): Signals {
  const children = new Map<number, ChildWorkflowHandle<typeof processExposure>>();
  const live = new Set<number>();
  let environmentRetries = 0;
  let wakeups = 0;
  /** Passes a wake-up on to the children that wait; a child that has just closed is no failure of the run. */
  const wakeChildren = async (signal: SignalDefinition<[], string>, which: (w: WaitingFor) => boolean) => {
    await Promise.allSettled(progress.waiting(which).map((e) => children.get(e)?.signal(signal)));
  };
  setHandler(progressQuery, () => progress.view);
  setHandler(exposureStateSignal, ({ expnum, state, message, childRunId, note }) => {
    // A signal from a child this run is not running (one reapplied by a reset, or late from a child
    // of an earlier execution) would pause the window for good: believed only from the live child.
    if (patched(CHILD_SIGNALS_CHECKED)) {
      if (!live.has(expnum)) return;
      const child = children.get(expnum);
      if (child && childRunId !== undefined && child.firstExecutionRunId !== childRunId) return;
    }
    progress.childSaid(expnum, state, message, note);
  });
  setHandler(proxyRenewedSignal, () => wakeChildren(proxyRenewedSignal, (w) => w === 'proxy'));
  setHandler(retryEnvironmentSignal, () => void environmentRetries++);
  setHandler(retryNowSignal, async () => {
    environmentRetries++;
    wakeups++;
    await wakeChildren(retryNowSignal, () => true);
  });
  return { children, live, environmentRetries: () => environmentRetries, wakeups: () => wakeups };
}

/**
 * The activities of a run's own steps, with its retry pacing; `patient`: for when the DES machine's
 * worker is down, each task waits long to start (and starts the moment a worker takes it).
 */
function stepActivities(retryS: number | undefined, patient = false) {
  const options = (kind: Parameters<typeof activityOptions>[0]) => ({
    ...activityOptions(kind, retryS),
    ...(patient ? { scheduleToStartTimeout: WORKER_WAIT } : {}),
  });
  return {
    files: proxyActivities<Activities>(options('files')),
    season: proxyActivities<Activities>(options('season')),
    seasonOnce: proxyActivities<Activities>({ ...options('season'), retry: { maximumAttempts: 1 } }),
    environment: proxyActivities<Activities>(options('environment')),
  };
}
type StepActivities = ReturnType<typeof stepActivities>;

/** The steps of a run, each small, in the order the run takes them. */
class Steps {
  private readonly workflowId = workflowInfo().workflowId;
  /** The site's pacing: known once validateRun has answered (a continued run carries it). */
  private timing: RunTiming = DEFAULT_TIMING;
  private activities = stepActivities(undefined);
  private patient = stepActivities(undefined, true);

  constructor(
    private readonly input: ImageProcessingInput,
    private readonly progress: RunProgress,
    private readonly signals: Signals,
  ) {}

  /** Paces the rest of the run as the site says (runs from before the site said carry none). */
  pace(run: ValidatedRun): void {
    this.timing = run.timing ?? DEFAULT_TIMING;
    this.progress.pace = { ...DEFAULT_TIMING, ...this.timing };
    this.activities = stepActivities(this.timing.retryInitialIntervalS);
    this.patient = stepActivities(this.timing.retryInitialIntervalS, true);
  }

  /**
   * Runs a step on the DES machine. When no worker takes its task in time, the run shows
   * `waiting-for-worker` and waits on, the task starting the moment a worker takes it.
   */
  private onSite<T>(call: (a: StepActivities) => Promise<T>): Promise<T> {
    return onSite((patiently) => call(patiently ? this.patient : this.activities), {
      tell: (waiting) => {
        const message = `${waiting?.message}\n${waitAdvice('worker', this.workflowId, this.progress.pace)}`;
        this.progress.runWaits(waiting ? { ...waiting, message, since: new Date().toISOString() } : undefined, {
          show: true,
        });
      },
    });
  }

  /** Steps 1–4: validate, reserve a season, prepare the run directory, source the environment. */
  async setUp(): Promise<CarriedState | { nothingLeft: ImageProcessingResult }> {
    const { progress, input, workflowId } = this;
    const { firstExecutionRunId } = workflowInfo();
    const startedAt = new Date().toISOString();
    progress.publish();
    const run = await this.onSite((a) => a.files.validateRun({ ...input, workflowId, firstExecutionRunId }));
    this.pace(run);
    // DesgwExposureCount took an Int search attribute slot of the three SQL visibility has; the count is in the progress.
    const nites = { key: DESGW_NITE, value: [...new Set(run.exposures.map((e) => e.nite))] };
    const count = {
      key: defineSearchAttributeKey('DesgwExposureCount', SearchAttributeType.INT),
      value: run.exposures.length,
    };
    upsertSearchAttributes(patched(NO_EXPOSURE_COUNT) ? [nites] : [nites, count]);
    const expnums = run.exposures.map((e) => e.expnum);
    const { gwWorkflowDir, runDir, rc } = run;

    // A resume of a run with nothing left to do answers from its records and changes no file.
    let prior: Outcome[] | undefined;
    if (input.resume && run.recorded && patched(RESUME_NOTHING_LEFT)) {
      const found = await this.onSite((a) => a.files.priorOutcomes({ runDir, expnums }));
      prior = resumedOutcomes(found, input.resume.retryFailed === true);
      if (prior.length === expnums.length)
        return { nothingLeft: this.nothingLeft(run, run.recorded, prior, startedAt) };
    }

    progress.phase('allocating-season');
    const { season } = await this.reserveSeasonOrWait(run.runDir);
    upsertSearchAttributes([{ key: DESGW_SEASON, value: season }]);
    progress.view.season = season;

    progress.phase('preparing');
    const prepared = await this.onSite((a) =>
      a.files.prepareRun({
        gwWorkflowDir,
        runDir,
        season,
        rc,
        expnums,
        workflowId,
        firstExecutionRunId,
        listFile: run.listFile,
        requestedSeason: input.season,
      }),
    );
    const outcomes =
      prior ??
      (input.resume
        ? resumedOutcomes(
            await this.onSite((a) => a.files.priorOutcomes({ runDir, expnums })),
            input.resume.retryFailed === true,
          )
        : []);

    progress.phase('sourcing-environment');
    const env = await this.sourceEnvironmentOrWait(run);
    return { startedAt, run, season, prepared, env, next: 0, outcomes, continuedAsNew: 0 };
  }

  /** The result of a resume that found every exposure done: from the run's records, nothing written. */
  private nothingLeft(
    run: ValidatedRun,
    recorded: NonNullable<ValidatedRun['recorded']>,
    prior: Outcome[],
    startedAt: string,
  ): ImageProcessingResult {
    const { season, rcChanges } = recorded;
    upsertSearchAttributes([{ key: DESGW_SEASON, value: season }]);
    const prepared: PreparedRun = {
      runDir: run.runDir,
      rcFile: `${run.runDir}/${RUN_FILES.dagmakerRc}`,
      rcDiffFile: `${run.runDir}/${RUN_FILES.rcDiff}`,
      rcChanges,
    };
    const outcomes = this.track({ run, season, outcomes: prior });
    const result = buildResult({ workflowId: this.workflowId, season, run, prepared, startedAt }, outcomes, 'done');
    return { ...result, exposures: result.exposures.map((e) => withPaths(e, run.runDir)) };
  }

  /** The run's exposures in the progress, with what is known of them already; returns their outcomes. */
  track(state: Pick<CarriedState, 'season' | 'run' | 'outcomes'>): Map<number, Outcome> {
    this.progress.track(state.season, state.run.exposures);
    const outcomes = new Map<number, Outcome>();
    for (const o of state.outcomes) this.record(outcomes, Array.isArray(o) ? withoutExposure(unpackResult(o)) : o);
    return outcomes;
  }

  private record(outcomes: Map<number, Outcome>, o: Outcome): void {
    outcomes.set(o.expnum, o);
    const { jobId, error, resumed, recovered } = o;
    // DAGMaker's warnings (e.g. no templates: the grid will fail it) show in the progress; no command changes.
    const warnings = o.warnings?.length ? o.warnings : undefined;
    this.progress.setState(o.expnum, o.status === 'submitted' ? 'submitted' : 'failed', {
      jobId,
      error,
      resumed,
      recovered,
      warnings,
    });
  }

  /** Step 5: the sliding window of children, continuing as new when the history is full. */
  async processExposures(state: CarriedState, outcomes: Map<number, Outcome>): Promise<void> {
    const { run } = state;
    const historyLimit = this.timing.historyEventLimit;
    this.progress.phase('processing');
    await slidingWindow({
      items: run.exposures,
      start: state.next,
      maxConcurrent: run.maxConcurrent,
      done: (e) => outcomes.has(e.expnum),
      paused: () => this.progress.waiting((w) => w === 'proxy').length > 0,
      historyFull: () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > historyLimit,
      runOne: (e) => this.runExposure(e, state, outcomes),
      carryOn: (next) => {
        this.progress.view.continuedAsNew++;
        const keepErrors = run.exposures.length <= FULL_RESULT_LIMIT;
        const packed = run.exposures
          .filter((e) => outcomes.has(e.expnum))
          .map((e) => packResult({ ...e, ...outcomes.get(e.expnum)! }, keepErrors));
        return continueAsNew<typeof imageProcessing>(this.input, {
          ...state,
          next,
          outcomes: packed,
          continuedAsNew: this.progress.view.continuedAsNew,
          shownStatus: this.progress.shownStatus,
        });
      },
    });
  }

  /** One exposure's child workflow, to its end; whatever happens to it, the run goes on. */
  private async runExposure(exposure: Exposure, state: CarriedState, outcomes: Map<number, Outcome>): Promise<void> {
    const { season, prepared, env, run } = state;
    const { children, live } = this.signals;
    live.add(exposure.expnum);
    this.progress.setState(exposure.expnum, 'making-dag');
    try {
      // On a shared test season the child's id names this run: another run may process the same exposure.
      const perRun = isTestSeason(season) && patched(CHILD_ID_PER_RUN);
      const child = await startChild(processExposure, {
        workflowId: exposureWorkflowId(season, exposure.expnum, perRun ? this.workflowId : undefined),
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
            workDir: workDirOf(exposure.expnum, prepared.runDir),
            envFile: env.envFile,
            dagmakerScript: run.dagmakerScript,
            parentWorkflowId: this.workflowId,
            proxyRecheckS: this.timing.proxyRecheckS,
            outageRecheckS: this.timing.outageRecheckS,
            outageRecheckMaxS: this.timing.outageRecheckMaxS,
            retryInitialIntervalS: this.timing.retryInitialIntervalS,
            historyEventLimit: this.timing.historyEventLimit,
          },
        ],
      });
      children.set(exposure.expnum, child);
      this.record(outcomes, outcomeOf(await child.result()));
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.record(outcomes, outcomeOf(failedReport(err, exposure)));
    } finally {
      children.delete(exposure.expnum);
      live.delete(exposure.expnum);
      this.progress.childClosed(exposure.expnum);
    }
  }

  /**
   * Step 7, when the input asks for it: a `postProcessing` child takes the submitted exposures (with
   * their job ids and the run's environment, for jobsub_q), waits for the grid and runs
   * run_postproc.py. How it ended goes into the result; its failure is not the run's (its own
   * workflow shows it failed, and says how to resume). Only runs whose input has `postProcessing`
   * reach this, and no run from before it existed has one: no replay changes.
   */
  async postProcess(result: ImageProcessingResult, state: CarriedState): Promise<ImageProcessingResult> {
    const options = this.input.postProcessing!;
    const exposures = submittedExposures(result);
    const workflowId = `${this.workflowId}-postproc`;
    if (exposures.length === 0) return withPostProcessing(result, workflowId, { error: 'no exposure was submitted' });
    this.progress.phase('post-processing');
    try {
      const pp = await executeChild(postProcessing, {
        workflowId,
        args: [{ ...options, season: state.season, exposures, envFile: state.env.envFile }],
        staticSummary: `DESGW post-processing: ${options.triggerId}, season ${state.season}`,
      });
      return withPostProcessing(result, workflowId, pp);
    } catch (err) {
      if (isCancellation(err)) throw err;
      return withPostProcessing(result, workflowId, { error: innermostMessage(err) });
    }
  }

  /** Step 6: output.txt and manifest.json for post-processing. */
  async handOff(result: ImageProcessingResult, facts: RunFacts): Promise<void> {
    await this.onSite((a) => a.files.writeOutputs(outputsOf(result, facts)));
  }

  /**
   * Reserves the season (decided by the activity, recorded by the season registry and in the run
   * directory's season.json). When the DES database does not answer after the quick retries, the run
   * waits for it (waiting-for-database), re-checking with backoff or at once on retryNow.
   */
  private async reserveSeasonOrWait(runDir: string): Promise<{ season: number }> {
    const { input, progress, workflowId } = this;
    // runDir: where the activity writes season.json (an activity's input, not a command: no patch needed).
    const request = { owner: workflowId, requested: input.season, runDir };
    try {
      return await this.onSite((a) => a.season.reserveSeason(request));
    } catch (err) {
      const waiting = waitOf(err);
      if (waiting?.what !== 'database' || !patched(WAIT_FOR_DATABASE)) throw err;
      const { proxyRecheckS: proxyS, outageRecheckS: outageS, outageRecheckMaxS: outageMaxS } = this.timing;
      const recheck = { proxyS, outageS, outageMaxS };
      const reservation = await waitOut(
        waiting,
        recheck,
        this.signals.wakeups,
        (w) => {
          const message = `${w.message}\n${waitAdvice(w.what, workflowId, progress.pace)}`;
          progress.runWaits({ what: w.what, message, since: new Date().toISOString() }, { show: true });
        },
        () => this.onSite((a) => a.seasonOnce.reserveSeason(request)),
      );
      progress.runWaits(undefined, { show: false });
      return reservation;
    }
  }

  /** Sources the environment; when that keeps failing, waits for a person to fix it and signal. */
  private async sourceEnvironmentOrWait({ gwWorkflowDir, runDir }: ValidatedRun): Promise<SourcedEnvironment> {
    const { progress, workflowId } = this;
    for (;;) {
      try {
        const env = await this.onSite((a) => a.environment.sourceEnvironment({ gwWorkflowDir, runDir }));
        progress.runWaits(undefined, { show: false });
        return env;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.view.phase = 'waiting-for-environment';
        const message = `${err.cause?.message ?? err.message}\n${waitAdvice('environment', workflowId, progress.pace)}`;
        progress.runWaits({ what: 'environment', message, since: new Date().toISOString() }, { show: true });
        const seen = this.signals.environmentRetries();
        await condition(() => this.signals.environmentRetries() > seen);
        progress.phase('sourcing-environment');
      }
    }
  }
}
