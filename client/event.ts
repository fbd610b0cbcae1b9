/**
 * What the `desgw event` commands ask of Temporal: start a trigger's campaign (one per trigger,
 * `desgw-event-<TRIGGER>`, never started over), add exposures to it (Update-with-Start when the
 * start options are given), close it, and read where it stands. Every refusal is one line with
 * the next step; client/event-report.ts says the rest as a person reads it.
 */
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
  type WorkflowHandle,
  type WorkflowStartOptions,
} from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { UpdateDefinition } from '@temporalio/common';
import {
  campaignWorkflowId,
  EVENT_CAMPAIGN_WORKFLOW_TYPE,
  type AddExposuresAnswer,
  type CampaignProgress,
  type CloseCampaignAnswer,
  type CloseCampaignRequest,
  type EventCampaignInput,
  type EventCampaignResult,
} from '../common/campaign-contract.js';
import { TASK_QUEUE } from '../common/contract.js';
import { innermostMessage } from '../common/failures.js';
import { addExposuresUpdate, campaignProgressQuery, closeCampaignUpdate } from '../common/messages.js';
import { oneLine, type Ending } from '../common/next-step.js';
import { DESGW_TRIGGER } from '../common/search-attributes.js';
import {
  campaignEndedLine,
  campaignExitCode,
  campaignNextStep,
  formatCampaignProgress,
  formatCampaignResult,
  progressLine,
} from './event-report.js';
import { executionOf, type Execution } from './execution.js';
import { untilClosed } from './follow.js';
import { UserError } from './runs.js';
import { tryQuery } from './status.js';

/** The campaign workflow's signature (its code is the worker's: the client starts it by type name). */
export type EventCampaignWorkflow = (input: EventCampaignInput) => Promise<EventCampaignResult>;

/** The memo key an Update-with-Start's start carries: which add started the campaign. */
const START_MARK = 'desgwStartedByAdd';

/** How long `add` and `close` wait for the campaign's answer before they give up (the worker may be down). */
export const ANSWER_WAIT_MS = 120_000;

/** The campaign's start options: its id, RejectDuplicate, DesgwTrigger, and what the Web UI shows at its top. */
export function campaignStartOptions(input: EventCampaignInput): WorkflowStartOptions<EventCampaignWorkflow> {
  const pp = input.postProcessing;
  return {
    taskQueue: TASK_QUEUE,
    workflowId: campaignWorkflowId(input.triggerId),
    // A campaign is never started over: a new execution would hide the event's exposures and passes.
    workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    typedSearchAttributes: [{ key: DESGW_TRIGGER, value: input.triggerId }],
    args: [input],
    staticSummary: `DESGW event campaign ${input.triggerId}: propid ${input.propid}, trigger MJD ${input.triggerMjd}, season ${input.season}`,
    staticDetails: [
      `exposures: ${input.watchDatabase ? "SISPI's exposure table, and desgw event add" : 'desgw event add'}`,
      `rc: ${JSON.stringify(input.rc ?? {})}`,
      `max concurrent: ${input.maxConcurrent ?? 5}`,
      `post-processing: ${pp ? `passes, policy ${JSON.stringify(pp.passPolicy ?? {})} over the defaults` : 'none'}`,
    ].join('\n\n'),
  };
}

const handleOf = (client: Client, triggerId: string) =>
  client.workflow.getHandle<EventCampaignWorkflow>(campaignWorkflowId(triggerId));

/** The line for a trigger without a campaign (`add` may also start it, given the start options). */
function noCampaign(triggerId: string, adding = false): UserError {
  const start = `desgw event start ${triggerId} --trigger-mjd MJD --propid PROPID --season auto|N`;
  return new UserError(
    `no campaign for trigger ${triggerId} (${campaignWorkflowId(triggerId)}): start it with ${start}${adding ? ', or give add --trigger-mjd, --propid and --season to start it' : ''}`,
  );
}

/** The campaign's execution, or null when there is none. */
async function existing(handle: WorkflowHandle): Promise<Execution | null> {
  try {
    return await executionOf(handle);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/** The one line for a campaign that has ended and so takes nothing more (exit 2). */
function ended(triggerId: string, e: Execution, what: string): Error {
  return new Error(`campaign ${e.workflowId} has ended (${e.state}): ${what}; see it: desgw event status ${triggerId}`);
}

/**
 * Starts the trigger's campaign; refuses (exit 64, one line) when the trigger has one already,
 * running or ended: the server's RejectDuplicate makes that true even for two starts at once.
 */
export async function startCampaign(client: Client, input: EventCampaignInput) {
  try {
    return await client.workflow.start<EventCampaignWorkflow>(
      EVENT_CAMPAIGN_WORKFLOW_TYPE,
      campaignStartOptions(input),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const e = await existing(handleOf(client, input.triggerId)).catch(() => null);
    throw new UserError(
      `trigger ${input.triggerId} already has a campaign: ${campaignWorkflowId(input.triggerId)}${e ? ` (${e.state})` : ''}; nothing started; see it: desgw event status ${input.triggerId}`,
    );
  }
}

export interface AddOutcome {
  answer: AddExposuresAnswer;
  /** True when this add started the campaign (Update-with-Start). */
  started: boolean;
  workflowId: string;
  runId?: string;
}

/**
 * Adds exposures to the trigger's campaign. With `start` (the start options were given) and no
 * campaign yet, one Update-with-Start starts it and adds them (two adds at once: one starts, both
 * add); without, the campaign must exist. A campaign that has ended, or refuses the Update (it
 * was closed), is one line (exit 2); no answer within `waitMs` is one line too (exit 3).
 */
export async function addExposures(
  client: Client,
  triggerId: string,
  exposures: number[],
  start?: EventCampaignInput,
  waitMs = ANSWER_WAIT_MS,
): Promise<AddOutcome> {
  const handle = handleOf(client, triggerId);
  const before = await existing(handle);
  if (before && before.state !== 'running') throw ended(triggerId, before, 'it takes no more exposures');
  if (!before && !start) throw noCampaign(triggerId, true);
  const args: [{ exposures: number[] }] = [{ exposures }];
  try {
    return await client.withDeadline(Date.now() + waitMs, async () => {
      if (before) {
        const answer = await handle.executeUpdate(addExposuresUpdate, { args });
        return { answer, started: false, workflowId: handle.workflowId };
      }
      // Two such adds at once both get here, and the server starts the campaign for one of them only
      // (the other finds it running: USE_EXISTING); the SDK does not say which. The start carries this
      // request's mark in its memo, so the one whose mark the campaign holds is the one that started it.
      const mark = randomUUID();
      const operation = new WithStartWorkflowOperation<EventCampaignWorkflow>(EVENT_CAMPAIGN_WORKFLOW_TYPE, {
        ...campaignStartOptions(start!),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        memo: { [START_MARK]: mark },
      });
      const answer = await client.workflow.executeUpdateWithStart(addExposuresUpdate, {
        args,
        startWorkflowOperation: operation,
      });
      const { runId, memo } = await (await operation.workflowHandle()).describe();
      return { answer, started: memo?.[START_MARK] === mark, workflowId: handle.workflowId, runId };
    });
  } catch (err) {
    throw await updateFailure(client, triggerId, err, 'add', waitMs);
  }
}

/** What `close` found: the campaign's answer, or a campaign that had ended already. */
export type CloseOutcome = { answer: CloseCampaignAnswer } | { ended: Execution };

/** Closes the trigger's campaign: it takes no more exposures, finishes what it holds and completes. */
export async function closeCampaign(
  client: Client,
  triggerId: string,
  reason?: string,
  waitMs = ANSWER_WAIT_MS,
): Promise<CloseOutcome> {
  const handle = handleOf(client, triggerId);
  const before = await existing(handle);
  if (!before) throw noCampaign(triggerId);
  if (before.state !== 'running' && before.state !== 'continued-as-new') return { ended: before };
  try {
    const answer = await client.withDeadline(Date.now() + waitMs, () =>
      // The SDK's overloads take no optional argument: the request is always sent (`{}` without a reason).
      handle.executeUpdate(closeCampaignUpdate as UpdateDefinition<CloseCampaignAnswer, [CloseCampaignRequest]>, {
        args: [reason ? { reason } : {}],
      }),
    );
    return { answer };
  } catch (err) {
    throw await updateFailure(client, triggerId, err, 'close', waitMs);
  }
}

/** The one line for an Update that did not get its answer: no campaign, an ended one, a refusal, or no answer in time. */
async function updateFailure(
  client: Client,
  triggerId: string,
  err: unknown,
  what: 'add' | 'close',
  waitMs: number,
): Promise<Error> {
  const id = campaignWorkflowId(triggerId);
  if (err instanceof WorkflowNotFoundError || err instanceof WorkflowExecutionAlreadyStartedError) {
    const e = await existing(handleOf(client, triggerId)).catch(() => null);
    if (!e) return noCampaign(triggerId, what === 'add');
    return ended(triggerId, e, what === 'add' ? 'it takes no more exposures' : 'there is nothing to close');
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const why = oneLine(innermostMessage(err.cause ?? err));
    return new Error(
      `campaign ${id} refused the ${what === 'add' ? 'exposures' : 'close'}: ${why}; nothing was ${what === 'add' ? 'added' : 'changed'} — see it: desgw event status ${triggerId}`,
    );
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)
    return new NoAnswerError(
      `campaign ${id} did not answer within ${Math.round(waitMs / 1000)} s (no workflow worker takes its tasks, or the DES machine's worker looks the exposures up): check the workers with desgw doctor, then run the same ${what} again (it is safe: ${what === 'add' ? 'an exposure it holds is answered as held' : 'closing twice closes once'})`,
    );
  throw err;
}

/** The campaign did not answer in time: it may still take the request (exit 3, like a run still running). */
export class NoAnswerError extends Error {}

export interface CampaignStatus {
  text: string;
  json: unknown;
  exitCode: number;
  /** The campaign's execution has ended (however). */
  ended: boolean;
  progress: CampaignProgress | null;
}

/**
 * Where the trigger's campaign stands: its execution (running, or how it ended and the next
 * command), then its progress (the `campaignProgress` query; a closed campaign answers only while
 * a worker can replay it), and for a completed one its result. `now` shows queued exposures' waits so far.
 */
export async function campaignStatus(client: Client, triggerId: string, now?: Date): Promise<CampaignStatus> {
  const handle = handleOf(client, triggerId);
  const exec = await existing(handle);
  if (!exec) throw noCampaign(triggerId);
  const p = await tryQuery(() => handle.query(campaignProgressQuery));
  /** How it ended; null while it runs (a continued-as-new execution goes on in its next one). */
  const ending = exec.state === 'running' || exec.state === 'continued-as-new' ? null : exec.state;
  const result = ending === 'completed' ? (exec.result as EventCampaignResult | undefined) : undefined;
  const lines: string[] = [];
  if (ending && ending !== 'completed') lines.push(campaignEndedLine(triggerId, { ...exec, state: ending }));
  if (p) {
    const view = ending && ending !== 'completed' ? endedView(triggerId, p, { ...exec, state: ending }) : p;
    // How long a queued exposure has waited so far means something only while the campaign runs.
    lines.push(formatCampaignProgress(view, ending ? undefined : now));
  } else
    lines.push(
      `campaign ${exec.workflowId}: ${exec.state} (no worker answered the campaignProgress query: its exposures are not shown)`,
    );
  if (result) lines.push('', formatCampaignResult(result));
  const execution = { ...exec };
  if (ending) execution.next = campaignNextStep(triggerId, exec.workflowId, ending, exec.failureType);
  else delete execution.next;
  return {
    text: lines.join('\n'),
    json: { ...p, execution },
    exitCode: campaignExitCode(exec.state, result),
    ended: ending !== null,
    progress: p,
  };
}

/**
 * An ended campaign's progress as it really ended: its phase is the ending, it waits for nothing,
 * and its failure's next step is a campaign's (the workflow's own may name a list run's command).
 */
function endedView(triggerId: string, p: CampaignProgress, e: Execution & { state: Ending }): CampaignProgress {
  const view: CampaignProgress = { ...p, phase: e.state === 'cancelled' ? 'cancelled' : 'failed' };
  delete view.waitingFor;
  if (p.failure)
    view.failure = { ...p.failure, next: campaignNextStep(triggerId, e.workflowId, e.state, e.failureType) };
  return view;
}

/**
 * Re-prints the campaign's status every `everyMs` until it ends (on a terminal the screen is
 * redrawn; otherwise it is printed again only when it changed), and returns the final exit code.
 */
export async function watchCampaign(
  client: Client,
  triggerId: string,
  out: NodeJS.WriteStream = process.stdout,
  everyMs = 5000,
): Promise<number> {
  const tty = out.isTTY === true;
  let last = '';
  for (;;) {
    const s = await campaignStatus(client, triggerId, tty ? new Date() : undefined);
    if (s.text !== last) out.write(`${tty ? '\x1b[2J\x1b[H' : last ? '\n' : ''}${s.text}\n`);
    last = s.text;
    if (s.ended) return s.exitCode;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits for a closed campaign to end, a line of its progress on `out` whenever it changes; then
 * prints its result (or why it did not complete) and returns the exit code.
 */
export async function awaitCampaign(
  client: Client,
  triggerId: string,
  out: NodeJS.WriteStream = process.stderr,
  everyMs = 5000,
): Promise<number> {
  const handle = handleOf(client, triggerId);
  let last = '';
  await untilClosed(handle, everyMs, async () => {
    const p = await handle.query(campaignProgressQuery).catch(() => null);
    const line = p ? progressLine(p) : '';
    if (line && line !== last) out.write(line + '\n');
    last = line || last;
  });
  const exec = await executionOf(handle);
  if (exec.state === 'completed') {
    const result = exec.result as EventCampaignResult;
    console.log(formatCampaignResult(result));
    return campaignExitCode('completed', result);
  }
  if (exec.state === 'running' || exec.state === 'continued-as-new') return awaitCampaign(client, triggerId, out);
  console.error(campaignEndedLine(triggerId, { ...exec, state: exec.state }));
  return campaignExitCode(exec.state);
}
