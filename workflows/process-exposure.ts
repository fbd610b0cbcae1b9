/**
 * `processExposure`: one exposure, DAGMaker then submission of the DAG it wrote.
 * Orchestration only; the side effects are the `makeDag` and `submitDag` activities.
 *
 * An expired grid proxy is not a failure of the exposure: the child tells its parent, waits for a
 * `proxyRenewed` signal (or re-checks after a while), and carries on with the same step.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Exposure, ExposureResult, ExposureState } from '../common/contract.js';
import { PROXY_EXPIRED } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import { exposurePaths } from '../common/exposure-paths.js';
import { activityOptions } from './activity-policies.js';
import { exposureStateSignal, proxyRenewedSignal } from './signals.js';

type Activities = ReturnType<typeof createActivities>;

export interface ProcessExposureInput extends Exposure {
  season: number;
  workDir: string;
  envFile: string;
  dagmakerScript: string;
  /** The parent run, told when the exposure changes state. */
  parentWorkflowId: string;
  /** Seconds between proxy re-checks while waiting for a renewed one. */
  proxyRecheckS: number;
  /** The run's first retry interval, when it sets one (see activity-policies). */
  retryInitialIntervalS?: number;
}

export async function processExposure(input: ProcessExposureInput): Promise<ExposureResult> {
  const { expnum, workDir } = input;
  const dagmakerOptions = activityOptions('dagmaker', input.retryInitialIntervalS);
  const submitOptions = activityOptions('submit', input.retryInitialIntervalS);
  const { makeDag } = proxyActivities<Activities>(dagmakerOptions);
  const { submitDag } = proxyActivities<Activities>(submitOptions);
  const { recordFailure } = proxyActivities<Activities>(activityOptions('record'));
  const started = Date.now();
  const result: ExposureResult = { expnum, band: input.band, nite: input.nite, ...exposurePaths(expnum, runDirOf(workDir)), status: 'failed', warnings: [], attempts: { dagmaker: 0, submit: 0 }, durationsMs: { total: 0 } };
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const tell = (state: ExposureState, message?: string) => parent.signal(exposureStateSignal, { expnum, state, message });

  let renewals = 0;
  setHandler(proxyRenewedSignal, () => void renewals++);
  /** Runs a step; while the proxy is expired, waits for a renewal (signal, or the re-check period) and tries again. */
  const withProxy = async <T>(state: ExposureState, step: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : undefined;
        if (!(cause instanceof ApplicationFailure && cause.type === PROXY_EXPIRED)) throw err;
        await tell('waiting-for-proxy', cause.message);
        const seen = renewals;
        await condition(() => renewals > seen, input.proxyRecheckS * 1000);
        await tell(state);
      }
    }
  };

  let step: 'dagmaker' | 'submit' = 'dagmaker';
  try {
    const dag = await withProxy('making-dag', () =>
      makeDag.executeWithOptions({ ...dagmakerOptions, summary: `DAGMaker ${expnum} (${input.band}, ${input.nite})` }, [
        { expnum, workDir, envFile: input.envFile, script: input.dagmakerScript },
      ]),
    );
    result.attempts.dagmaker = dag.attempt;
    result.durationsMs.dagmaker = dag.durationMs;
    result.warnings = dag.warnings;
    step = 'submit';
    // Not awaited: the parent's progress need not hold up the submission.
    tell('submitting').catch(() => undefined);
    const sub = await withProxy('submitting', () => submitDag.executeWithOptions({ ...submitOptions, summary: `submit ${expnum}` }, [{ expnum, workDir, envFile: input.envFile, recommendedSubmit: dag.recommendedSubmit }]));
    result.attempts.submit = sub.attempt;
    result.durationsMs.submit = sub.durationMs;
    result.jobId = sub.jobId;
    result.status = 'submitted';
    result.durationsMs.total = Date.now() - started;
    return result;
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    result.attempts[step] = (cause?.details?.[0] as { attempt?: number } | undefined)?.attempt ?? result.attempts[step];
    result.error = `${step === 'dagmaker' ? 'DAGMaker' : 'submission'} failed: ${cause?.message ?? err.message}`;
    result.durationsMs.total = Date.now() - started;
    // Kept beside the exposure's files, so a resumed run knows it failed for good.
    await CancellationScope.nonCancellable(() => recordFailure({ workDir, expnum, error: result.error! }));
    // The exposure fails (visible as a failed child in the Web UI), carrying its report for the parent.
    throw ApplicationFailure.nonRetryable(result.error, 'ExposureFailed', result);
  }
}

/** Deterministic child id: the same season and exposure always map to the same workflow id. */
export function exposureWorkflowId(season: number, expnum: number): string {
  return `desgw-season-${season}-exp-${expnum}`;
}

function runDirOf(workDir: string): string {
  return workDir.slice(0, workDir.lastIndexOf('/'));
}
