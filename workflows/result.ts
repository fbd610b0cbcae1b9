/**
 * A run's outcomes, and the result built from them: each exposure's report as its child gave it
 * (or as an earlier run of the same id left it, for a resumed run), the result of the run, and
 * what writeOutputs is sent. Pure: no workflow API is called here.
 */
import { ApplicationFailure, ChildWorkflowFailure } from '@temporalio/workflow';
import type { PriorOutcomes } from '../activities/prior-outcomes.js';
import type { PreparedRun, ValidatedRun, WriteOutputsInput } from '../activities/types.js';
import type { Exposure, ExposureResult, ImageProcessingResult } from '../common/contract.js';
import { errorForHistory, Failure } from '../common/failures.js';
import { packResult, type PathlessResult } from '../common/outcome-codec.js';
import type { GridExposure, PostProcessingResult } from '../common/post-processing-contract.js';
import { RUN_FILES, withoutPaths, withPaths } from '../common/run-files.js';

/** An exposure's result without what follows from the run (band, nite, file paths). */
export type Outcome = Omit<PathlessResult, 'band' | 'nite'>;

/** Above this many exposures a result leaves its per-exposure list to manifest.json (and carries no errors across continue-as-new). */
export const FULL_RESULT_LIMIT = 1000;

const nothingYet = { warnings: [], attempts: { dagmaker: 0, submit: 0 }, durationsMs: { total: 0 } };

/** What an earlier run of the same id left: submitted ones are done; failed ones too, unless retried. */
export function resumedOutcomes(prior: PriorOutcomes, retryFailed: boolean): Outcome[] {
  const submitted = prior.submitted.map((s): Outcome => ({
    ...nothingYet,
    expnum: s.expnum,
    status: 'submitted',
    jobId: s.jobId,
    resumed: true,
  }));
  const failed = retryFailed
    ? []
    : prior.failed.map((f): Outcome => ({ ...nothingYet, expnum: f.expnum, status: 'failed', error: f.error }));
  return [...submitted, ...failed];
}

export function outcomeOf(r: ExposureResult): Outcome {
  return withoutExposure(withoutPaths(r));
}

export function withoutExposure(r: PathlessResult): Outcome {
  const { band: _b, nite: _n, ...rest } = r;
  return rest;
}

/**
 * The report of an exposure whose child failed: the one it carries (see processExposure), or, when
 * the child could not start or was terminated, one saying so. One exposure never fails the run.
 */
export function failedReport(err: unknown, exposure: Exposure): ExposureResult {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === Failure.ExposureFailed && cause.details?.[0]) {
    return cause.details[0] as ExposureResult;
  }
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return {
    ...exposure,
    ...nothingYet,
    status: 'failed',
    error: errorForHistory(`exposure workflow did not complete: ${why}`),
  };
}

export interface RunFacts {
  workflowId: string;
  season: number;
  run: ValidatedRun;
  prepared: PreparedRun;
  startedAt: string;
}

/** The run's result: `done` lists what ended; `cancelled` also lists what never started, as cancelled. */
export function buildResult(
  { workflowId, season, run, prepared, startedAt }: RunFacts,
  outcomes: ReadonlyMap<number, Outcome>,
  how: 'done' | 'cancelled',
): ImageProcessingResult {
  const exposures = run.exposures
    .map((e): PathlessResult | null => {
      const o = outcomes.get(e.expnum);
      if (o) return { ...e, ...o };
      return how === 'done' ? null : { ...e, ...nothingYet, status: 'cancelled' };
    })
    .filter((e): e is PathlessResult => e !== null);
  return {
    workflowId,
    season,
    nites: [...new Set(exposures.map((e) => e.nite))],
    gwWorkflowDir: run.gwWorkflowDir,
    runDir: prepared.runDir,
    outputDir: run.outputDir,
    outputFiles: {
      outputTxt: `${prepared.runDir}/${RUN_FILES.outputTxt}`,
      manifest: `${prepared.runDir}/${RUN_FILES.manifest}`,
      latestOutputTxt: `${run.outputDir}/${RUN_FILES.outputTxt}`,
    },
    duplicatesDropped: run.duplicatesDropped,
    rcChanges: prepared.rcChanges,
    exposures,
    counts: {
      total: exposures.length,
      submitted: exposures.filter((e) => e.status === 'submitted').length,
      failed: exposures.filter((e) => e.status === 'failed').length,
    },
    startedAt,
    finishedAt: new Date().toISOString(),
  };
}

/** What writeOutputs is sent: the activity fills in file paths and whole errors; a long list goes packed. */
export function outputsOf(r: ImageProcessingResult, { run, prepared }: RunFacts): WriteOutputsInput {
  const base = { outputDir: run.outputDir, runDir: prepared.runDir };
  return run.exposures.length > FULL_RESULT_LIMIT
    ? { ...base, result: { ...r, exposures: [] }, packed: r.exposures.map((e) => packResult(e, false)) }
    : { ...base, result: r };
}

/** The result a run returns: a long run's leaves its exposures to manifest.json (far under the 2 MB payload limit). */
export function returnedResult(r: ImageProcessingResult, total: number, runDir: string): ImageProcessingResult {
  return total > FULL_RESULT_LIMIT
    ? { ...r, exposures: [] }
    : { ...r, exposures: r.exposures.map((e) => withPaths(e, runDir)) };
}

/** How the run's post-processing ended, in its result: the outcome and where to look, or why it failed (cut short). */
export function withPostProcessing(
  r: ImageProcessingResult,
  workflowId: string,
  ended: PostProcessingResult | { error: string },
): ImageProcessingResult {
  if ('error' in ended)
    return { ...r, postProcessing: { workflowId, outcome: 'failed', error: errorForHistory(ended.error) } };
  return {
    ...r,
    postProcessing: {
      workflowId,
      outcome: ended.outcome,
      ...(ended.masterHtml ? { masterHtml: ended.masterHtml } : {}),
      outputDir: ended.outputDir,
    },
  };
}

/** What a run hands its post-processing: each submitted exposure and its job id. */
export function submittedExposures(r: ImageProcessingResult): GridExposure[] {
  return r.exposures
    .filter((e) => e.status === 'submitted')
    .map(({ expnum, band, nite, jobId }) => ({ expnum, band, nite, ...(jobId ? { jobId } : {}) }));
}
