/**
 * Why a run or a post-processing ended, and the one command that fits, on one line. The workflow
 * (its last Current Details, its log line), `desgw` (run --follow, watch, status, resume,
 * post-process) and the worker's log all say it the same way, so an operator is never told to run
 * again what will fail again. Pure: imported by workflow code.
 */
import { Failure } from './failures.js';

/** How an execution ended, as the console names it. */
export type Ending = 'completed' | 'failed' | 'terminated' | 'cancelled' | 'timed-out' | 'continued-as-new';

/** What ended: an image-processing run or a post-processing. */
export type Kind = 'run' | 'post-processing' | 'campaign';

/** Failure types of bad input or of a site setting: the same start fails again until someone fixes it. */
const FIX_THE_INPUT: ReadonlySet<string> = new Set([
  Failure.InvalidInput,
  Failure.SeasonUnavailable,
  Failure.SeasonTaken,
  Failure.DatabaseConfiguration,
  Failure.DatabaseCredentials,
  Failure.DatabaseSchema,
]);

/** True when the failure type says the input (or a site setting) is wrong: starting again as is fails again. */
export function isBadInput(failureType: string | undefined): boolean {
  return failureType !== undefined && FIX_THE_INPUT.has(failureType);
}

/** The next step for an execution that ended as `ending`, failing (if it did) with `failureType`. */
export function nextStep(kind: Kind, workflowId: string, ending: Ending, failureType?: string): string {
  if (kind === 'post-processing') return nextPostProcessingStep(workflowId, ending, failureType);
  if (kind === 'campaign') return nextCampaignStep(workflowId, ending, failureType);
  if (ending === 'completed') return `see it with: desgw status ${workflowId}`;
  if (ending === 'continued-as-new') return `it goes on in a new execution: desgw watch ${workflowId}`;
  if (ending === 'failed' && isBadInput(failureType)) {
    return failureType === Failure.SeasonUnavailable || failureType === Failure.SeasonTaken
      ? 'choose another season (or --season auto) and start a new run'
      : 'fix it, then start a new run (desgw run …); nothing was submitted';
  }
  if (failureType === Failure.ExposureFailed) return `desgw resume ${workflowId} --retry-failed`;
  return `to finish it: desgw resume ${workflowId}`;
}

/**
 * A campaign's id is its trigger's (reject-duplicate): it is not started again under it, it is reset.
 * One that failed on its input never claimed its trigger, so another id may start it.
 */
function nextCampaignStep(workflowId: string, ending: Ending, failureType?: string): string {
  const trigger = workflowId.replace(/^desgw-event-/, '');
  if (ending === 'completed') return `see it with: desgw event status ${trigger}`;
  if (ending === 'continued-as-new') return `it goes on in a new execution: desgw event watch ${trigger}`;
  if (ending === 'failed' && isBadInput(failureType))
    return failureType === Failure.SeasonUnavailable || failureType === Failure.SeasonTaken
      ? 'choose another season and start the campaign under another workflow id (temporal workflow start --type eventCampaign …)'
      : 'fix it, then start the campaign under another workflow id (temporal workflow start --type eventCampaign …); nothing was processed';
  return `once the cause is fixed: temporal workflow reset --workflow-id ${workflowId} --type FirstWorkflowTask (its Updates are reapplied; what it submitted is not submitted again)`;
}

function nextPostProcessingStep(workflowId: string, ending: Ending, failureType?: string): string {
  if (ending === 'completed') return `see it with: desgw status ${workflowId}`;
  if (ending === 'continued-as-new') return `it goes on in a new execution: desgw watch ${workflowId}`;
  if (ending === 'failed' && isBadInput(failureType))
    return 'fix it, then start a new post-processing (desgw post-process …) under a new workflow id';
  if (failureType === Failure.NoExposurePassed)
    return 'check the grid jobs of the exposures named, then start a new post-processing once their results are there';
  return `to run it again where it stopped: desgw post-process … --workflow-id ${workflowId}`;
}

/** A message on one line: line breaks and runs of spaces become one space, cut at `max` characters. */
export function oneLine(message: string, max = 400): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** `failed: <why> — next: <command>`: what the console prints for an execution that did not complete. */
export function endingLine(ending: Ending, why: string | undefined, next: string): string {
  return `${ending}${why ? `: ${oneLine(why)}` : ''} — next: ${next}`;
}

/** How a run paces its re-checks (the site's settings, see common/settings.ts). */
export interface RecheckPace {
  proxyRecheckS: number;
  outageRecheckS: number;
  outageRecheckMaxS: number;
}

/**
 * What ends every wait message: when it is checked again, and the `desgw` command that carries it
 * on (never a bare signal name). `workflowId` is the run the command is sent to.
 */
export function waitAdvice(what: string, workflowId: string, pace: RecheckPace): string {
  switch (what) {
    case 'proxy':
      return `Re-checked every ${duration(pace.proxyRecheckS)}. Renew it (kx509; voms-proxy-init -rfc -noregen -voms des:/des/Role=Analysis -valid 24:00), then: desgw proxy-renewed ${workflowId}`;
    case 'jobsub':
    case 'database':
      return `Re-checked with backoff, every ${duration(pace.outageRecheckS)} doubling to ${duration(pace.outageRecheckMaxS)}; to check now: desgw retry-now ${workflowId}`;
    case 'environment':
      return `Not re-checked by itself: fix it, then: desgw retry-environment ${workflowId}`;
    case 'worker':
      return `Its task starts the moment a worker takes it; see which workers poll: desgw doctor`;
    default:
      return `to check now: desgw retry-now ${workflowId}`;
  }
}

/** `90 s`, `10 min`, `2 h`: a setting in seconds as a person reads it. */
export function duration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 360) / 10} h`;
}
