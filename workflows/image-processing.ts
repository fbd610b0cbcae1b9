/**
 * `imageProcessing`: the parent run. Validates the input, reserves a season, writes the run's
 * dagmaker.rc, sources the site environment, then runs one `processExposure` child per exposure,
 * at most `maxConcurrent` at once (a sliding window), and hands post-processing its output.
 */
import {
  ApplicationFailure,
  ChildWorkflowFailure,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Exposure, ExposureResult, ExposureState, ImageProcessingInput, ImageProcessingResult, Progress } from '../common/contract.js';
import { DEFAULT_MAX_CONCURRENT } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import { exposureWorkflowId, processExposure } from './process-exposure.js';
import { exposureStateSignal, progressQuery } from './signals.js';

type Activities = ReturnType<typeof createActivities>;

// Validation fails fast and for good on bad input (non-retryable InvalidInput); retried otherwise.
const { validateRun, prepareRun, writeOutputs } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 5 },
});
// The registry is a workflow: its Update answers in milliseconds unless the server is away.
const { reserveSeason } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 },
});
// setup_img_proc.sh reads cvmfs and can hang: the activity kills it after its own timeout and heartbeats meanwhile.
const { sourceEnvironment } = proxyActivities<Activities>({
  startToCloseTimeout: '20 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

export async function imageProcessing(input: ImageProcessingInput): Promise<ImageProcessingResult> {
  const { workflowId } = workflowInfo();
  const startedAt = new Date().toISOString();
  const progress: Progress = {
    phase: 'validating',
    total: 0,
    counts: { waiting: 0, 'making-dag': 0, submitting: 0, submitted: 0, failed: 0 },
    exposures: [],
  };
  const states = new Map<number, Progress['exposures'][number]>();
  const setState = (expnum: number, state: ExposureState, extra: { jobId?: string; error?: string } = {}): void => {
    const entry = states.get(expnum);
    if (!entry) return;
    // A late 'submitting' signal never overrides a final state.
    if (entry.state === 'submitted' || entry.state === 'failed') return;
    progress.counts[entry.state]--;
    progress.counts[state]++;
    Object.assign(entry, { state, ...extra });
  };
  setHandler(progressQuery, () => progress);
  setHandler(exposureStateSignal, ({ expnum, state }) => setState(expnum, state));

  const run = await validateRun({ ...input, workflowId });
  progress.total = run.exposures.length;
  for (const e of run.exposures) {
    const entry = { expnum: e.expnum, band: e.band, state: 'waiting' as ExposureState };
    states.set(e.expnum, entry);
    progress.exposures.push(entry);
  }
  progress.counts.waiting = run.exposures.length;

  progress.phase = 'allocating-season';
  const { season } = await reserveSeason({ owner: workflowId, requested: input.season });
  progress.season = season;

  progress.phase = 'preparing';
  const prepared = await prepareRun({
    gwWorkflowDir: run.gwWorkflowDir,
    runDir: run.runDir,
    season,
    rc: run.rc,
    expnums: run.exposures.map((e) => e.expnum),
  });

  progress.phase = 'sourcing-environment';
  const env = await sourceEnvironment({ gwWorkflowDir: run.gwWorkflowDir, runDir: run.runDir });

  progress.phase = 'processing';
  const results = new Map<number, ExposureResult>();
  const maxConcurrent = run.maxConcurrent ?? DEFAULT_MAX_CONCURRENT;
  let inFlight = 0;
  let next = 0;

  const runOne = async (index: number): Promise<void> => {
    const exposure = run.exposures[index]!;
    const workDir = `${prepared.runDir}/exp_${exposure.expnum}`;
    inFlight++;
    setState(exposure.expnum, 'making-dag');
    try {
      const child = await startChild(processExposure, {
        workflowId: exposureWorkflowId(season, exposure.expnum),
        args: [
          {
            ...exposure,
            season,
            workDir,
            envFile: env.envFile,
            dagmakerScript: run.dagmakerScript,
            parentWorkflowId: workflowId,
          },
        ],
      });
      const result = await child.result();
      results.set(exposure.expnum, result);
      setState(exposure.expnum, 'submitted', { jobId: result.jobId });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const report = failedReport(err, exposure, workDir);
      results.set(exposure.expnum, report);
      setState(exposure.expnum, 'failed', { error: report.error });
    } finally {
      inFlight--;
    }
  };

  // Sliding window: a new child starts the moment one finishes, never more than maxConcurrent at once.
  const running: Promise<void>[] = [];
  while (next < run.exposures.length) {
    await condition(() => inFlight < maxConcurrent);
    running.push(runOne(next++));
  }
  await Promise.all(running);

  progress.phase = 'writing-output';
  const exposures = run.exposures.map((e) => results.get(e.expnum)!);
  const submitted = exposures.filter((e) => e.status === 'submitted').length;
  const result: ImageProcessingResult = {
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
    counts: { total: exposures.length, submitted, failed: exposures.length - submitted },
    startedAt,
    finishedAt: new Date().toISOString(),
  };
  await writeOutputs({ outputDir: run.outputDir, runDir: prepared.runDir, result });
  progress.phase = 'done';
  return result;
}

/**
 * The report of an exposure whose child failed: the one it carries (see processExposure), or, when
 * the child could not start or was terminated, one saying so. One exposure never fails the run.
 */
function failedReport(err: unknown, exposure: Exposure, workDir: string): ExposureResult {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === 'ExposureFailed' && cause.details?.[0]) {
    return cause.details[0] as ExposureResult;
  }
  const why = cause?.message ?? (err instanceof Error ? err.message : String(err));
  return {
    ...exposure,
    status: 'failed',
    workDir,
    dagFile: `${workDir}/desgw_pipeline_${exposure.expnum}.dag`,
    dagmakerOutFile: `${workDir}/dagmaker_${exposure.expnum}.out`,
    submitOutFile: `${workDir}/dag_submission_${exposure.expnum}.out`,
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
    error: `exposure workflow did not complete: ${why}`,
  };
}
