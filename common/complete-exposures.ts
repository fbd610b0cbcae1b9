/**
 * `complete_exposures_S<SEASON>_<YYYYmmdd_HH-MM>.list`: the exposures that passed the grid checks,
 * which postproc_<SEASON>.ini names as `exposures_listfile`. run_postproc.py reads it line by line
 * and converts every line to an integer inside one try block: a single blank line (or anything not
 * an integer) makes it drop the whole list with only a warning. So the text is one EXPNUM a line,
 * each line ended by a newline, and nothing else. `legacyReadExposuresList` is that reader, to
 * check the contract. Pure: usable in workflow code.
 */

export class ExposuresListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExposuresListError';
  }
}

/** The list's text: one EXPNUM a line, in the order given; refuses an empty list, duplicates and non-exposure numbers. */
export function formatCompleteExposures(expnums: readonly number[]): string {
  if (expnums.length === 0)
    throw new ExposuresListError('no exposure to list: post-processing would have nothing to do');
  const seen = new Set<number>();
  for (const [i, e] of expnums.entries()) {
    if (!Number.isSafeInteger(e) || e <= 0)
      throw new ExposuresListError(`exposure #${i + 1} is not a positive integer`);
    if (seen.has(e)) throw new ExposuresListError(`exposure ${e} is listed twice`);
    seen.add(e);
  }
  return expnums.map((e) => `${e}\n`).join('');
}

/**
 * `complete_exposures_S<SEASON>_<YYYYmmdd_HH-MM>.list` for a moment, in UTC (the legacy code used
 * the machine's local time; UTC keeps names the same wherever the worker runs).
 */
export function completeExposuresFileName(season: number, at: Date): string {
  if (!Number.isSafeInteger(season) || season < 1) throw new ExposuresListError('season must be a positive integer');
  if (Number.isNaN(at.getTime())) throw new ExposuresListError('invalid date');
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}_${p(at.getUTCHours())}-${p(at.getUTCMinutes())}`;
  return `complete_exposures_S${season}_${stamp}.list`;
}

/**
 * What run_postproc.py makes of a list's text: `readlines()`, each line cut at its `\n` and passed
 * to `int()` (which allows surrounding whitespace, a sign and `_` between digits); the first line
 * that is not an integer (a blank one included) empties the whole list.
 */
export function legacyReadExposuresList(text: string): number[] {
  const out: number[] = [];
  // readlines() keeps each line's "\n"; the text after the last "\n" is a line only when non-empty.
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    const v = /^\s*[+-]?\d+(?:_\d+)*\s*$/.test(line) ? Number(line.trim().replace(/_/g, '')) : NaN;
    if (!Number.isFinite(v)) return [];
    out.push(v);
  }
  return out;
}
