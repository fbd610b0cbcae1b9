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
  CancellationScope,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { PreparedRun, SourcedEnvironment, ValidatedRun } from '../activities/types.js';
import type { Exposure, ImageProcessingInput, ImageProcessingResult } from '../common/contract.js';
import { errorForHistory, innermostMessage, innermostType } from '../common/failures.js';
import { nextStep, oneLine } from '../common/next-step.js';
import { progressQuery } from '../common/messages.js';
import { packResult, unpackResult, type PackedResult } from '../common/outcome-codec.js';
import { RUN_FILES, withPaths } from '../common/run-files.js';
import { DESGW_NITE, DESGW_SEASON } from '../common/search-attributes.js';
import { postProcessing } from './post-processing.js';
import { RunProgress } from './progress.js';
import {
  buildResult,
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
import { exposureChild } from './exposure-child.js';
import { listen, type Signals } from './run-signals.js';
import { SiteSteps } from './site-steps.js';
import { slidingWindow } from './window.js';

/** Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code"). */
const NO_EXPOSURE_COUNT = 'no-exposure-count-search-attribute';
/** A failed run publishes DesgwStatus=failed (an upsert) and why, before it ends. */
const PUBLISH_FAILURE = 'run-publishes-its-failure';
/** A resume first reads what is left to do, and with nothing left writes nothing (not even output.txt). */
const RESUME_NOTHING_LEFT = 'resume-with-nothing-left-writes-nothing';

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
  setHandler(progressQuery, () => progress.view);
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
    if (carried) steps.pace(carried.run.timing);
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

/** The steps of a run, each small, in the order the run takes them (the site's own in SiteSteps). */
class Steps extends SiteSteps {
  constructor(
    private readonly input: ImageProcessingInput,
    progress: RunProgress,
    signals: Signals,
  ) {
    super(progress, signals);
  }

  /** Steps 1–4: validate, reserve a season, prepare the run directory, source the environment. */
  async setUp(): Promise<CarriedState | { nothingLeft: ImageProcessingResult }> {
    const { progress, input, workflowId } = this;
    const { firstExecutionRunId } = workflowInfo();
    const startedAt = new Date().toISOString();
    progress.publish();
    const run = await this.onSite((a) => a.files.validateRun({ ...input, workflowId, firstExecutionRunId }));
    this.pace(run.timing);
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
    const { season } = await this.reserveSeasonOrWait(input.season, run.runDir);
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
    const env = await this.sourceEnvironmentOrWait(run.gwWorkflowDir, run.runDir);
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
  private runExposure(exposure: Exposure, state: CarriedState, outcomes: Map<number, Outcome>): Promise<void> {
    const { season, prepared, env, run } = state;
    const context = {
      workflowId: this.workflowId,
      season,
      runDir: prepared.runDir,
      envFile: env.envFile,
      dagmakerScript: run.dagmakerScript,
      timing: this.timing,
      progress: this.progress,
      signals: this.signals,
    };
    return exposureChild(exposure, context, (report) => this.record(outcomes, outcomeOf(report)));
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
}
