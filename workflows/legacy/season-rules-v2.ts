/**
 * FROZEN: the season rules exactly as the season registry applied them inside its own `reserveSeason`
 * Update handler, up to and including the v2 histories (test/histories/v2), copied from
 * common/season-rules.ts as it was then. Do not edit, and do not import it anywhere but the legacy
 * `reserveSeason` handler of workflows/season-registry.ts.
 *
 * Why: a registry history recorded before `claimSeason` replays those decisions in workflow code.
 * Were that handler to use today's rules, a change to them would re-decide past reservations on
 * replay (a different season, or a rejection where one was accepted) and break or rewrite them.
 * Today's rules live in common/season-rules.ts and are applied by the `reserveSeason` activity,
 * whose decision the registry only records.
 */

const TEST_SEASONS: readonly number[] = [2206, 2208];
const WIDE_SURVEY_SEASONS: readonly number[] = [5000, 6000];
const LOWEST_REQUESTABLE = 20;
const LOWEST_AUTO = 101;

function reservedReason(season: number): string | null {
  if (!Number.isInteger(season) || season < 1) return `season ${season} is not a positive integer`;
  if (season < 11) return `season ${season} is reserved for the supernova group (below 11)`;
  if (season < LOWEST_REQUESTABLE) return `season ${season} is reserved (below ${LOWEST_REQUESTABLE})`;
  if (WIDE_SURVEY_SEASONS.includes(season)) return `season ${season} is reserved for the wide-survey nightly runs`;
  return null;
}

export function isTestSeasonV2(season: number): boolean {
  return TEST_SEASONS.includes(season);
}

function pickAutoSeason(used: ReadonlySet<number>, from = LOWEST_AUTO): number {
  for (let s = Math.max(from, LOWEST_AUTO); ; s++) {
    if (!used.has(s) && reservedReason(s) === null && !isTestSeasonV2(s)) return s;
  }
}

export function decideSeasonV2(
  requested: 'auto' | number,
  usedInDatabase: readonly number[],
  reserved: ReadonlyMap<number, string>,
): { season: number } | { problem: string } {
  if (requested === 'auto') return { season: pickAutoSeason(new Set([...usedInDatabase, ...reserved.keys()])) };
  const reason = reservedReason(requested);
  if (reason) return { problem: reason };
  if (isTestSeasonV2(requested)) return { season: requested };
  if (usedInDatabase.includes(requested))
    return { problem: `season ${requested} is already used in the DES database: previous files would be overwritten` };
  const holder = reserved.get(requested);
  if (holder !== undefined) return { problem: `season ${requested} is already reserved by run ${holder}` };
  return { season: requested };
}
