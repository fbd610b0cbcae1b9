/**
 * `reserveSeason`: decides the run's season and has the season registry record it. The decision is
 * made here, not in the registry: every source of used seasons is read (the DES database, the run
 * directories, the running registry's reservations) and today's rules applied
 * (activities/support/season-choice.ts); the result is recorded in the run's history, so no replay
 * re-decides it. The season is then claimed through the registry's `claimSeason` Update (Update-
 * with-Start: a registry that does not exist, or was terminated, is started by the claim). The
 * registry serialises claims: when another run claimed the same season since it was read, this
 * one reads again and decides again (an explicitly requested season is then unavailable). A claim
 * carries its own Update id (owner and season), so a retried claim is the same claim. Once
 * claimed, the season is written to the run directory's season.json, a durable record a new
 * registry's reservations are rebuilt from (by the next decision) should this one be lost.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type Client, WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { SEASON_REGISTRY_WORKFLOW_ID, SEASON_REGISTRY_WORKFLOW_TYPE, TASK_QUEUE } from '../common/contract.js';
import { Failure } from '../common/failures.js';
import { claimSeasonUpdate, type ClaimSeasonRequest, type Reservation } from '../common/messages.js';
import type { SeasonRules } from '../common/season-rules.js';
import type { WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { runDirProblem, runsDirsOf, seasonOfRunDir, writeSeasonRecord } from './support/run-seasons.js';
import { chooseSeason, seasonUsage } from './support/season-choice.js';
import type { SeasonSource } from './support/season-source.js';
import type { ReserveSeasonInput } from './types.js';

/** How many times a run decides again after losing a claim to another run, within one attempt. */
export const CLAIM_ATTEMPTS = 4;

export async function reserveSeasonWith(
  config: WorkerConfig,
  source: SeasonSource,
  input: ReserveSeasonInput,
  rules?: SeasonRules,
): Promise<Reservation> {
  const runsDirs = runsDirsOf(config);
  // Refused before anything is claimed: the season record is only ever written in a run directory of this worker.
  const outside = input.runDir === undefined ? null : runDirProblem(input.runDir, runsDirs);
  if (outside) throw invalidInput([outside]);
  const client = Context.current().client;
  const asking = { owner: input.owner, ...(input.runDir === undefined ? {} : { runDir: input.runDir }) };
  for (let attempt = 1; ; attempt++) {
    const choice = chooseSeason(input.requested, await seasonUsage(client, source, runsDirs, asking), rules);
    if ('problem' in choice) throw unavailable(choice.problem);
    let reservation: Reservation;
    try {
      reservation = await claim(client, { owner: input.owner, season: choice.season, shared: choice.shared });
    } catch (err) {
      const taken = takenMessage(err);
      if (taken === null) throw err;
      if (input.requested !== 'auto') throw unavailable(taken);
      // Another run claimed it since it was read: read again, decide again (then let the activity's retries wait).
      if (attempt >= CLAIM_ATTEMPTS)
        throw ApplicationFailure.create({ message: `${taken} (decided ${attempt} times)`, type: Failure.SeasonTaken });
      continue;
    }
    if (input.runDir !== undefined) await recordInRunDir(input.runDir, input.owner, reservation.season);
    return reservation;
  }
}

/**
 * Claims the season through the registry's Update, starting the registry if there is none running.
 * The Update's id is the claim's (claimUpdateId): a retried reservation (the activity's retry, a
 * worker that died after sending it, a resume) is the same reservation, not a second claim.
 */
function claim(client: Client, request: ClaimSeasonRequest): Promise<Reservation> {
  return client.workflow.executeUpdateWithStart(claimSeasonUpdate, {
    updateId: claimUpdateId(request),
    args: [request],
    startWorkflowOperation: new WithStartWorkflowOperation(SEASON_REGISTRY_WORKFLOW_TYPE, {
      workflowId: SEASON_REGISTRY_WORKFLOW_ID,
      taskQueue: TASK_QUEUE,
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  });
}

/** The id of a run's claim of a season: deterministic, from who claims (the run's workflow id) and which season. */
export function claimUpdateId({ owner, season }: Pick<ClaimSeasonRequest, 'owner' | 'season'>): string {
  return `claim-season-${season}-for-${owner}`;
}

/** Writes season.json unless it already says this run's season (a retry, a resume). */
async function recordInRunDir(runDir: string, owner: string, season: number): Promise<void> {
  const found = await seasonOfRunDir(runDir);
  if (found?.from === 'season.json' && found.season === season && found.owner === owner) return;
  await writeSeasonRecord(runDir, { season, owner, reservedAt: new Date().toISOString() });
}

/** The registry's refusal of a claim (another run holds the season), or null for any other error. */
function takenMessage(err: unknown): string | null {
  return err instanceof WorkflowUpdateFailedError &&
    err.cause instanceof ApplicationFailure &&
    err.cause.type === Failure.SeasonTaken
    ? err.cause.message
    : null;
}

function unavailable(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: Failure.SeasonUnavailable, nonRetryable: true });
}
