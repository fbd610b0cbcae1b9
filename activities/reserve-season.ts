/**
 * `reserveSeason`: reads the seasons the DES database already holds, then reserves one through the
 * season registry workflow's Update (Update-with-Start, so the registry is created on first use).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { SEASON_REGISTRY_WORKFLOW_ID, SEASON_REGISTRY_WORKFLOW_TYPE, TASK_QUEUE } from '../common/contract.js';
import { reserveSeasonUpdate, type Reservation, type ReserveSeasonRequest } from '../common/messages.js';
import type { SeasonSource } from './support/season-source.js';
import type { ReserveSeasonInput } from './types.js';
import { Failure } from '../common/failures.js';

export async function reserveSeasonWith(source: SeasonSource, input: ReserveSeasonInput): Promise<Reservation> {
  const usedInDatabase = await source.usedSeasons();
  const client = Context.current().client;
  const request: ReserveSeasonRequest = { owner: input.owner, requested: input.requested, usedInDatabase };
  try {
    return await client.workflow.executeUpdateWithStart(reserveSeasonUpdate, {
      args: [request],
      startWorkflowOperation: new WithStartWorkflowOperation(SEASON_REGISTRY_WORKFLOW_TYPE, {
        workflowId: SEASON_REGISTRY_WORKFLOW_ID,
        taskQueue: TASK_QUEUE,
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    });
  } catch (err) {
    if (
      err instanceof WorkflowUpdateFailedError &&
      err.cause instanceof ApplicationFailure &&
      err.cause.type === Failure.SeasonUnavailable
    ) {
      throw ApplicationFailure.create({
        message: err.cause.message,
        type: Failure.SeasonUnavailable,
        nonRetryable: true,
      });
    }
    throw err;
  }
}
