/**
 * `processExposure`: one exposure, DAGMaker then submission of the DAG it wrote.
 * Orchestration only; the side effects are the `makeDag` and `submitDag` activities.
 */
import { ActivityFailure, ApplicationFailure, getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { Exposure, ExposureResult } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import { exposureStateSignal } from './signals.js';

type Activities = ReturnType<typeof createActivities>;

// DAGMaker takes minutes on the real site; the heartbeat (every few seconds while it runs) is what
// notices a dead worker, not the start-to-close timeout.
const { makeDag } = proxyActivities<Activities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});
const { submitDag } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '60 seconds',
  retry: { initialInterval: '15 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 6 },
});

export interface ProcessExposureInput extends Exposure {
  season: number;
  workDir: string;
  envFile: string;
  dagmakerScript: string;
  /** The parent run, told when the exposure moves from DAGMaker to submission. */
  parentWorkflowId: string;
}

export async function processExposure(input: ProcessExposureInput): Promise<ExposureResult> {
  const { expnum, band, nite, workDir } = input;
  const started = Date.now();
  const result: ExposureResult = {
    expnum,
    band,
    nite,
    status: 'failed',
    workDir,
    dagFile: `${workDir}/desgw_pipeline_${expnum}.dag`,
    dagmakerOutFile: `${workDir}/dagmaker_${expnum}.out`,
    submitOutFile: `${workDir}/dag_submission_${expnum}.out`,
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
  };
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  let step: 'dagmaker' | 'submit' = 'dagmaker';
  try {
    const dag = await makeDag({ expnum, workDir, envFile: input.envFile, script: input.dagmakerScript });
    result.attempts.dagmaker = dag.attempt;
    result.durationsMs.dagmaker = dag.durationMs;
    result.warnings = dag.warnings;
    step = 'submit';
    await parent.signal(exposureStateSignal, { expnum, state: 'submitting' });
    const sub = await submitDag({ expnum, workDir, envFile: input.envFile });
    result.attempts.submit = sub.attempt;
    result.durationsMs.submit = sub.durationMs;
    result.jobId = sub.jobId;
    result.status = 'submitted';
    result.durationsMs.total = Date.now() - started;
    return result;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    result.attempts[step] = (cause?.details?.[0] as { attempt?: number } | undefined)?.attempt ?? result.attempts[step];
    result.error = `${step === 'dagmaker' ? 'DAGMaker' : 'submission'} failed: ${cause?.message ?? err.message}`;
    result.durationsMs.total = Date.now() - started;
    // The exposure fails (visible as a failed child in the Web UI), carrying its report for the parent.
    throw ApplicationFailure.nonRetryable(result.error, 'ExposureFailed', result);
  }
}

/** Deterministic child id: the same season and exposure always map to the same workflow id. */
export function exposureWorkflowId(season: number, expnum: number): string {
  return `desgw-season-${season}-exp-${expnum}`;
}
