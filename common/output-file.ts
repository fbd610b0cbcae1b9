/** The hand-off to post-processing: `image_proc_outputs/output.txt` in the form the legacy reader expects. */
import type { ExposureResult } from './contract.js';

/**
 * Line 1: the exposures as `[EXPNUM BAND, EXPNUM BAND, …]` (the reader strips the brackets and splits
 * on commas); line 2: the SEASON; line 3: the NITE(s), space-separated. Only submitted exposures are
 * handed on: post-processing has nothing to look for from the others.
 */
export function formatOutputTxt(season: number, exposures: ExposureResult[]): string {
  const done = exposures.filter((e) => e.status === 'submitted');
  const nites = distinct(done.map((e) => e.nite));
  return `[${done.map((e) => `${e.expnum} ${e.band}`).join(', ')}]\n${season}\n${nites.join(' ')}\n`;
}

/** What the legacy post-processing reads back from output.txt (used to check the contract). */
export function readOutputTxt(text: string): {
  exposures: { expnum: number; band: string }[];
  season: number;
  nites: string[];
} {
  const [first = '', second = '', third = ''] = text.split('\n');
  const inner = first.trim().replace(/^\[/, '').replace(/\]$/, '');
  const exposures = inner
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const [expnum, band] = s.split(/\s+/);
      return { expnum: Number(expnum), band: band ?? '' };
    });
  return { exposures, season: Number(second.trim()), nites: third.trim() === '' ? [] : third.trim().split(/\s+/) };
}

export function distinct<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
