/**
 * Where an execution really stands, read from Temporal rather than from the last progress the
 * workflow published: running, or how it ended (completed, failed, terminated, cancelled, timed out,
 * continued as new), why, and the next command. A terminated run publishes nothing at its end, and
 * a run that failed before it published anything still reads `validating` in its progress: only
 * the execution tells the truth. `desgw status`, `watch`, `run --follow`, `resume` and
 * `post-process` all say it through here.
 */
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { innermostMessage, innermostType } from '../common/failures.js';
import { endingLine, nextStep, oneLine, type Ending, type Kind } from '../common/next-step.js';
import { POST_PROCESSING_WORKFLOW_TYPE } from '../common/post-processing-contract.js';

export interface Execution {
  workflowId: string;
  /** The workflow type, e.g. `imageProcessing`. */
  type: string;
  kind: Kind;
  state: Ending | 'running';
  /** Why it did not complete, on one line. */
  reason?: string;
  /** The innermost failure's type (`InvalidInput`, `ExposureFailed`…), when it failed. */
  failureType?: string;
  /** What to do next (for a running one: nothing). */
  next?: string;
  /** The result, when it completed. */
  result?: unknown;
  closedAt?: Date;
}

const STATES: Record<string, Ending | 'running'> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  TERMINATED: 'terminated',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timed-out',
  CONTINUED_AS_NEW: 'continued-as-new',
};

function kindOf(type: string): Kind {
  return type === POST_PROCESSING_WORKFLOW_TYPE ? 'post-processing' : 'run';
}

/** The execution of `handle` (its latest run): its state and, once ended, why and what next. */
export async function executionOf(handle: WorkflowHandle): Promise<Execution> {
  const d = await handle.describe();
  const base = { workflowId: handle.workflowId, type: d.type, kind: kindOf(d.type) };
  const state = STATES[d.status.name] ?? 'failed';
  if (state === 'running' || state === 'continued-as-new') return { ...base, state };
  const closedAt = d.closeTime;
  try {
    const result = await handle.result();
    return { ...base, state: 'completed', result, next: nextStep(base.kind, base.workflowId, 'completed'), closedAt };
  } catch (err) {
    return { ...base, ...whyItEnded(base.kind, base.workflowId, err), closedAt };
  }
}

/** How a workflow's result() failure reads: its ending, the innermost reason, and the next command. */
export function whyItEnded(
  kind: Kind,
  workflowId: string,
  err: unknown,
): Pick<Execution, 'state' | 'reason' | 'failureType' | 'next'> {
  if (!(err instanceof WorkflowFailedError)) throw err;
  const cause = err.cause;
  const state: Ending =
    cause instanceof TerminatedFailure
      ? 'terminated'
      : cause instanceof CancelledFailure
        ? 'cancelled'
        : cause instanceof TimeoutFailure
          ? 'timed-out'
          : 'failed';
  const failureType = state === 'failed' ? innermostType(cause) : undefined;
  const reason =
    state === 'terminated'
      ? `terminated: ${err.message}`
      : state === 'cancelled'
        ? 'cancelled by a person (desgw cancel, or the Web UI)'
        : state === 'timed-out'
          ? 'it ran past its execution timeout'
          : oneLine(innermostMessage(cause ?? err));
  return {
    state,
    reason,
    ...(failureType ? { failureType } : {}),
    next: nextStep(kind, workflowId, state, failureType),
  };
}

/** The one line the console prints for an execution that did not complete. */
export function endedLine(e: Execution): string {
  const what = e.kind === 'post-processing' ? 'post-processing' : 'run';
  return `${what} ${e.workflowId} ${endingLine(e.state as Ending, e.reason, e.next ?? '')}`;
}
