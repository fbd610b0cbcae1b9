/**
 * The one decision path of reserveSeason and previewSeason (a dry run): which seasons are used,
 * from every source — the DES database, the run directories (season.json, dagmaker.rc) and the
 * running season registry's reservations — and which season a request gets under today's rules
 * (common/season-rules.ts). The decision is made here, in an activity, so that its result is
 * recorded in the run's history and never re-derived on a replay; the registry only records it.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { basename, resolve } from 'node:path';
import { SEASON_REGISTRY_WORKFLOW_ID } from '../../common/contract.js';
import { reservationsQuery, type RegistryState } from '../../common/messages.js';
import { SEASON_RULES, type SeasonRules } from '../../common/season-rules.js';
import { runSeasons, type RunSeason } from './run-seasons.js';
import type { SeasonSource } from './season-source.js';

/** Every season in use, as the decision needs it. */
export interface SeasonUsage {
  usedInDatabase: number[];
  /** Season → the run holding it (from the registry, else its run directory). */
  reserved: Map<number, string>;
  /** The season the asking run already holds (a retry, a resume), if any. */
  own?: number;
}

/** Which holdings are the asking run's own: its workflow id and its run directory. */
export interface Asking {
  owner?: string;
  runDir?: string;
}

export type SeasonChoice = { season: number; shared: boolean } | { problem: string };

const EMPTY: RegistryState = { reservations: [], testSeasonOwners: [] };

/** What the running season registry has recorded; nothing when it does not exist or is not running. */
export async function registryReservations(client: Client): Promise<RegistryState> {
  const handle = client.workflow.getHandle(SEASON_REGISTRY_WORKFLOW_ID);
  try {
    // A terminated registry's reservations are no new registry's: the run directories stand for them.
    if ((await handle.describe()).status.name !== 'RUNNING') return EMPTY;
    return await handle.query(reservationsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return EMPTY;
    throw err;
  }
}

/** Reads every source of used seasons. */
export async function seasonUsage(
  client: Client,
  source: SeasonSource,
  runsDirs: readonly string[],
  asking: Asking = {},
): Promise<SeasonUsage> {
  const [usedInDatabase, registry, dirs] = await Promise.all([
    source.usedSeasons(),
    registryReservations(client),
    runSeasons(runsDirs),
  ]);
  return usageFrom(usedInDatabase, registry, dirs, asking);
}

/** The union of the sources: the registry names a season's run first, then its run directory. */
export function usageFrom(
  usedInDatabase: number[],
  registry: RegistryState,
  dirs: readonly RunSeason[],
  asking: Asking = {},
): SeasonUsage {
  const reserved = new Map<number, string>(registry.reservations);
  let own =
    asking.owner === undefined
      ? undefined
      : (registry.reservations.find(([, o]) => o === asking.owner)?.[0] ??
        registry.testSeasonOwners.find(([o]) => o === asking.owner)?.[1]);
  const ownDir = asking.runDir === undefined ? undefined : resolve(asking.runDir);
  for (const found of dirs) {
    const mine = (asking.owner !== undefined && found.owner === asking.owner) || resolve(found.dir) === ownDir;
    if (mine) own ??= found.season;
    // A directory that does not name its run is named by the directory: the run's id, made safe.
    else if (!reserved.has(found.season)) reserved.set(found.season, found.owner ?? basename(found.dir));
  }
  return { usedInDatabase, reserved, ...(own === undefined ? {} : { own }) };
}

/** The season a request gets: the asking run's own if it holds one, else what the rules decide. */
export function chooseSeason(
  requested: 'auto' | number,
  usage: SeasonUsage,
  rules: SeasonRules = SEASON_RULES,
): SeasonChoice {
  if (usage.own !== undefined) return { season: usage.own, shared: rules.isTestSeason(usage.own) };
  const decided = rules.decideSeason(requested, usage.usedInDatabase, usage.reserved);
  return 'problem' in decided ? decided : { season: decided.season, shared: rules.isTestSeason(decided.season) };
}
