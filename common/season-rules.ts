/**
 * The DES season conventions (legacy-facts, "Seasons"): which numbers a run may take. Pure, and
 * applied only by the activities (reserveSeason, previewSeason): the season registry records their
 * decisions and applies no rule itself, so changing a rule here changes what new runs get, never a
 * past reservation (the registry's legacy handler keeps a frozen copy, workflows/legacy/).
 */

/** Test seasons: may be requested again and again (they are never reserved for one run). */
export const TEST_SEASONS: readonly number[] = [2206, 2208];
/** The wide-survey nightly runs. */
export const WIDE_SURVEY_SEASONS: readonly number[] = [5000, 6000];
/** Below this, seasons belong to the supernova group and the historical test range. */
export const LOWEST_REQUESTABLE = 20;
/** `auto` never picks below this: 20–100 is for testing and development. */
export const LOWEST_AUTO = 101;

/** Why a requested season may not be used at all (whoever holds it), or null. */
export function reservedReason(season: number): string | null {
  if (!Number.isInteger(season) || season < 1) return `season ${season} is not a positive integer`;
  if (season < 11) return `season ${season} is reserved for the supernova group (below 11)`;
  if (season < LOWEST_REQUESTABLE) return `season ${season} is reserved (below ${LOWEST_REQUESTABLE})`;
  if (WIDE_SURVEY_SEASONS.includes(season)) return `season ${season} is reserved for the wide-survey nightly runs`;
  return null;
}

export function isTestSeason(season: number): boolean {
  return TEST_SEASONS.includes(season);
}

/** The smallest season ≥ `from` that is neither used nor reserved nor a shared test season. */
export function pickAutoSeason(used: ReadonlySet<number>, from = LOWEST_AUTO): number {
  for (let s = Math.max(from, LOWEST_AUTO); ; s++) {
    if (!used.has(s) && reservedReason(s) === null && !isTestSeason(s)) return s;
  }
}

/**
 * Which season a request gets, given the seasons the DES database holds and those other runs hold
 * (season → run, from the registry and the run directories): the one rule reserveSeason applies
 * and a dry run previews.
 */
export function decideSeason(
  requested: 'auto' | number,
  usedInDatabase: readonly number[],
  reserved: ReadonlyMap<number, string>,
): { season: number } | { problem: string } {
  if (requested === 'auto') return { season: pickAutoSeason(new Set([...usedInDatabase, ...reserved.keys()])) };
  const reason = reservedReason(requested);
  if (reason) return { problem: reason };
  if (isTestSeason(requested)) return { season: requested };
  if (usedInDatabase.includes(requested))
    return { problem: `season ${requested} is already used in the DES database: previous files would be overwritten` };
  const holder = reserved.get(requested);
  if (holder !== undefined) return { problem: `season ${requested} is already reserved by run ${holder}` };
  return { season: requested };
}

/** The rules the activities apply, as one value: today's are SEASON_RULES (a test hands in changed ones). */
export interface SeasonRules {
  decideSeason: typeof decideSeason;
  isTestSeason: typeof isTestSeason;
}

export const SEASON_RULES: SeasonRules = { decideSeason, isTestSeason };
