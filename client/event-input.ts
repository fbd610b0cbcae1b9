/**
 * What the `desgw event` command line means, before any server is asked: the trigger id, the
 * exposure numbers of `add`, and the `eventCampaign` input the start options make. A mistake is
 * refused here in one line naming the flag (exit 64), not hours later by the campaign's validation.
 * Pure (no client calls), unit-tested.
 */
import { resolve } from 'node:path';
import type { EventCampaignInput, PassPolicy } from '../common/campaign-contract.js';
import { triggerProblems } from '../common/postproc-ini.js';
import { UserError } from './runs.js';

/** The start options of `desgw event start` and `add`, as commander names them. */
export interface CampaignFlags {
  triggerMjd?: number;
  propid?: string;
  season?: 'auto' | number;
  watchDatabase?: boolean;
  set?: Record<string, string>;
  maxConcurrent?: number;
  gwWorkflowDir?: string;
  outputDir?: string;
  /** False with --no-post-processing: the campaign runs no pass. */
  postProcessing?: boolean;
  postProcessingDir?: string;
  minCompleteCcds?: number;
  gridDeadlineHours?: number;
  passMinNew?: number;
  passGrowth?: number;
  passStaleMinutes?: number;
}

/** The flags that make a start: `add` with any of them starts the campaign when it does not exist. */
const START_FLAGS = [
  ['--trigger-mjd', 'triggerMjd'],
  ['--propid', 'propid'],
  ['--season', 'season'],
] as const;

/** The flags of the passes: refused with --no-post-processing. */
const PASS_FLAGS = [
  ['--post-processing-dir', 'postProcessingDir'],
  ['--min-complete-ccds', 'minCompleteCcds'],
  ['--grid-deadline-hours', 'gridDeadlineHours'],
  ['--pass-min-new', 'passMinNew'],
  ['--pass-growth', 'passGrowth'],
  ['--pass-stale-minutes', 'passStaleMinutes'],
] as const;

/** Flags that only a start reads: given to `add` without the start flags, they would be ignored. */
const START_ONLY = [
  ['--watch-database', 'watchDatabase'],
  ['--max-concurrent', 'maxConcurrent'],
  ['--gw-workflow-dir', 'gwWorkflowDir'],
  ['--output-dir', 'outputDir'],
  ...PASS_FLAGS,
] as const;

/** At most this many exposures an `addExposures` Update takes (the campaign's validator says the same). */
export const MAX_EXPOSURES_PER_ADD = 1000;

/** The trigger id's problem (it names the workflow, `desgw-event-<TRIGGER>`), or undefined when it is sound. */
export function triggerIdProblem(triggerId: string): string | undefined {
  const problem = triggerProblems({ triggerId }).find((p) => p.startsWith('triggerId'));
  return problem?.replace(/^triggerId/, `the trigger id '${printable(triggerId)}'`);
}

/** Refuses a trigger id that cannot name a campaign. */
export function checkTriggerId(triggerId: string): void {
  const problem = triggerIdProblem(triggerId);
  if (problem) throw new UserError(problem);
}

/** True when the command line holds any of the start flags (--trigger-mjd, --propid, --season). */
export function startFlagsGiven(f: CampaignFlags): boolean {
  return START_FLAGS.some(([, key]) => f[key] !== undefined);
}

/**
 * The exposure numbers of `desgw event add` (each argument a number, or numbers separated by
 * commas), in the order given, each once.
 */
export function parseExpnums(args: readonly string[]): number[] {
  const out: number[] = [];
  for (const item of args.flatMap((a) => a.split(',')).map((a) => a.trim())) {
    if (item === '') continue;
    if (!/^[1-9]\d{0,9}$/.test(item) || !Number.isSafeInteger(Number(item)))
      throw new UserError(`'${printable(item)}' is not an exposure number (a whole number such as 1210450)`);
    if (!out.includes(Number(item))) out.push(Number(item));
  }
  if (out.length === 0) throw new UserError('give at least one exposure number, e.g. desgw event add S250101a 1210450');
  if (out.length > MAX_EXPOSURES_PER_ADD)
    throw new UserError(
      `${out.length} exposures: at most ${MAX_EXPOSURES_PER_ADD} an add, split them over several adds`,
    );
  return out;
}

/**
 * The `eventCampaign` input of the trigger and the start flags: refuses (naming each flag) a
 * missing or unsound trigger fact, pass settings with --no-post-processing, or a pass policy the
 * campaign would refuse. Paths are made absolute (the worker reads them, not this shell).
 */
export function campaignInput(triggerId: string, f: CampaignFlags): EventCampaignInput {
  checkTriggerId(triggerId);
  const missing = START_FLAGS.filter(([, key]) => f[key] === undefined).map(([flag]) => flag);
  if (missing.length > 0)
    throw new UserError(`starting the campaign of ${triggerId} needs ${missing.join(', ')} (see --help)`);
  const facts = triggerProblems({ triggerId, triggerMjd: f.triggerMjd, propid: f.propid })
    .filter((p) => !p.startsWith('triggerId'))
    .map((p) => p.replace(/^triggerMjd/, '--trigger-mjd').replace(/^propid/, '--propid'));
  if (facts.length > 0) throw new UserError(facts.join('; '));

  const passPolicy: PassPolicy = {
    ...(f.passMinNew !== undefined ? { minNew: f.passMinNew } : {}),
    ...(f.passGrowth !== undefined ? { growth: f.passGrowth } : {}),
    ...(f.passStaleMinutes !== undefined ? { staleAfterMinutes: f.passStaleMinutes } : {}),
  };
  const ppFlags = PASS_FLAGS.filter(([, key]) => f[key] !== undefined);
  if (f.postProcessing === false && ppFlags.length > 0)
    throw new UserError(
      `${ppFlags.map(([flag]) => flag).join(', ')} shape(s) the passes, and --no-post-processing runs none: give one or the other`,
    );

  const input: EventCampaignInput = {
    triggerId,
    triggerMjd: f.triggerMjd!,
    propid: f.propid!,
    season: f.season!,
  };
  if (f.watchDatabase) input.watchDatabase = true;
  if (f.set && Object.keys(f.set).length > 0) input.rc = f.set;
  if (f.maxConcurrent !== undefined) input.maxConcurrent = f.maxConcurrent;
  if (f.gwWorkflowDir) input.gwWorkflowDir = resolve(f.gwWorkflowDir);
  if (f.outputDir) input.outputDir = resolve(f.outputDir);
  if (f.postProcessing !== false)
    input.postProcessing = {
      ...(f.postProcessingDir ? { postProcessingDir: resolve(f.postProcessingDir) } : {}),
      ...(f.minCompleteCcds !== undefined ? { minCompleteCcds: f.minCompleteCcds } : {}),
      ...(f.gridDeadlineHours !== undefined ? { gridDeadlineHours: f.gridDeadlineHours } : {}),
      ...(Object.keys(passPolicy).length > 0 ? { passPolicy } : {}),
    };
  return input;
}

/**
 * Refuses flags that only a start reads, given to `add` without the start flags: the campaign
 * exists already (or must be started with them), and they would be silently ignored.
 */
export function refuseStartOnlyFlags(triggerId: string, f: CampaignFlags): void {
  const given: string[] = START_ONLY.filter(([, key]) => f[key] !== undefined && f[key] !== false).map(
    ([flag]) => flag,
  );
  if (Object.keys(f.set ?? {}).length > 0) given.push('--set');
  if (f.postProcessing === false) given.push('--no-post-processing');
  if (given.length > 0)
    throw new UserError(
      `${given.join(', ')}: read only when a campaign starts; give --trigger-mjd, --propid and --season too (to start it if it does not exist), or leave them out to add to the campaign of ${triggerId}`,
    );
}

/** A value from the command line, shown in a message: control characters out, clipped. */
function printable(v: string): string {
  const flat = v.replace(/[\u0000-\u001f\u007f]/g, '?');
  return flat.length > 40 ? `${flat.slice(0, 39)}…` : flat;
}
