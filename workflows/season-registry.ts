/**
 * The season registry: one long-lived workflow (id `desgw-season-registry`) that records which run
 * holds which season, so that two runs can never be handed the same one. It decides nothing: the
 * `reserveSeason` activity applies the season rules (common/season-rules.ts) and claims the season
 * it chose through the `claimSeason` Update. The handler is synchronous, so claims are serialised by
 * Temporal itself, on any number of worker hosts: the first claim of a season wins, a later one by
 * another run is refused (Failure.SeasonTaken) and that run decides again. Because the decision is
 * the activity's (its result is in the run's history) and the registry keeps only what it recorded,
 * a change to the season rules can never rewrite a past reservation on replay.
 *
 * What it records is also kept durably outside it (each run directory's season.json and
 * dagmaker.rc, and the DES database), and the activity reads those too: a registry terminated or
 * lost loses no reservation; the next claim starts a new one (Update-with-Start).
 *
 * The `reserveSeason` Update is the registry of before claims, kept so that its recorded histories
 * still replay: it decides with a frozen copy of the rules of then (workflows/legacy/).
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
import {
  claimSeasonUpdate,
  reservationsQuery,
  reserveSeasonUpdate,
  type RegistryState,
  type Reservation,
} from '../common/messages.js';
import { decideSeasonV2, isTestSeasonV2 } from './legacy/season-rules-v2.js';

export async function seasonRegistry(state: RegistryState = { reservations: [], testSeasonOwners: [] }): Promise<void> {
  /** Exclusive reservations: season → its run. */
  const bySeason = new Map<number, string>(state.reservations);
  /** Runs on a shared season: run → season. */
  const shared = new Map<string, number>(state.testSeasonOwners);
  /** Every run's season, exclusive or shared. */
  const byOwner = new Map<string, number>(shared);
  for (const [season, owner] of bySeason) byOwner.set(owner, season);
  const snapshot = (): RegistryState => ({ reservations: [...bySeason], testSeasonOwners: [...shared] });
  const record = (owner: string, season: number, isShared: boolean): Reservation => {
    if (isShared) shared.set(owner, season);
    else bySeason.set(season, owner);
    byOwner.set(owner, season);
    return { season, alreadyHeld: false };
  };

  setHandler(
    claimSeasonUpdate,
    ({ owner, season, shared: isShared }): Reservation => {
      const held = byOwner.get(owner);
      if (held !== undefined) return { season: held, alreadyHeld: true };
      // A season held exclusively is nobody else's; one shared by some runs cannot become one run's alone.
      const holder = bySeason.get(season) ?? (isShared ? undefined : sharerOf(season));
      if (holder !== undefined) {
        throw ApplicationFailure.create({
          message: `season ${season} is already reserved by run ${holder}`,
          type: Failure.SeasonTaken,
          nonRetryable: true,
          details: [{ season, holder }],
        });
      }
      return record(owner, season, isShared);
    },
    {
      validator: ({ owner, season, shared: isShared }) => {
        if (typeof owner !== 'string' || owner === '') throw new Error('owner must be a non-empty string');
        if (typeof season !== 'number' || !Number.isInteger(season) || season < 1)
          throw new Error('season must be a positive integer');
        if (typeof isShared !== 'boolean') throw new Error('shared must be true or false');
      },
    },
  );

  // Legacy (see the header): replays registry histories recorded before claimSeason, with the rules of then.
  setHandler(
    reserveSeasonUpdate,
    ({ owner, requested, usedInDatabase }): Reservation => {
      const held = byOwner.get(owner);
      if (held !== undefined) return { season: held, alreadyHeld: true };
      const decided = decideSeasonV2(requested, usedInDatabase, bySeason);
      if ('problem' in decided) throw ApplicationFailure.nonRetryable(decided.problem, Failure.SeasonUnavailable);
      return record(owner, decided.season, isTestSeasonV2(decided.season));
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

  function sharerOf(season: number): string | undefined {
    for (const [owner, s] of shared) if (s === season) return owner;
    return undefined;
  }

  // Runs forever; starts afresh (carrying the reservations) before the history grows large.
  await condition(() => workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  await continueAsNew<typeof seasonRegistry>(snapshot());
}
