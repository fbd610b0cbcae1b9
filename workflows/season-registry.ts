/**
 * The season registry: one long-lived workflow (id `desgw-season-registry`) that hands out seasons.
 * Every reservation goes through its `reserveSeason` Update, whose handler is synchronous, so
 * reservations are serialised by Temporal itself: two runs can never get the same season, whatever
 * host their workers run on, and the reservations survive worker and server restarts.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  setHandler,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import { Failure } from '../common/failures.js';
import { reservationsQuery, reserveSeasonUpdate, type RegistryState, type Reservation } from '../common/messages.js';
import { decideSeason, isTestSeason } from '../common/season-rules.js';

export async function seasonRegistry(state: RegistryState = { reservations: [], testSeasonOwners: [] }): Promise<void> {
  const bySeason = new Map<number, string>(state.reservations);
  const byOwner = new Map<string, number>(state.testSeasonOwners);
  for (const [season, owner] of bySeason) byOwner.set(owner, season);
  const snapshot = (): RegistryState => ({
    reservations: [...bySeason],
    testSeasonOwners: [...byOwner].filter(([, s]) => isTestSeason(s)),
  });

  setHandler(
    reserveSeasonUpdate,
    ({ owner, requested, usedInDatabase }): Reservation => {
      const held = byOwner.get(owner);
      if (held !== undefined) return { season: held, alreadyHeld: true };
      const decided = decideSeason(requested, usedInDatabase, bySeason);
      if ('problem' in decided) throw ApplicationFailure.nonRetryable(decided.problem, Failure.SeasonUnavailable);
      const { season } = decided;
      if (!isTestSeason(season)) bySeason.set(season, owner);
      byOwner.set(owner, season);
      return { season, alreadyHeld: false };
    },
    {
      validator: ({ owner, requested, usedInDatabase }) => {
        if (typeof owner !== 'string' || owner === '') throw new Error('owner is required');
        if (requested !== 'auto' && !Number.isInteger(requested))
          throw new Error('requested must be "auto" or an integer');
        if (!Array.isArray(usedInDatabase)) throw new Error('usedInDatabase must be a list of seasons');
      },
    },
  );
  setHandler(reservationsQuery, snapshot);

  // Runs forever; starts afresh (carrying the reservations) before the history grows large.
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof seasonRegistry>(snapshot());
}
