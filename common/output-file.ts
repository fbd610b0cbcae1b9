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

/** A DECam proposal id as line 3 of one 2024 variant of the legacy writer holds it, e.g. `2024A-0001`. */
const PROPID = /^20\d\d[AB]-\d{3,6}$/;
const NITE = /^\d{8}$/;

export interface OutputTxtRead {
  exposures: { expnum: number; band: string }[];
  season: number;
  /** Line 3's NITEs, when line 3 is NITEs (ours); else empty. */
  nites: string[];
  /** Line 1's items: ours (`941225 i`) or the legacy writer's Python-quoted strings (`'941225 i'`, `u'941225 i'`). */
  items: 'plain' | 'python-quoted';
  /** What line 3 was: NITEs (ours), a PROPID (a 2024 legacy variant), absent (the legacy writer), or neither. */
  line3: 'nites' | 'propid' | 'empty' | 'unrecognised';
  /** Line 3, when it is a PROPID. */
  propid?: string;
}

/**
 * What the legacy post-processing reads back from output.txt (it strips the brackets and splits on
 * commas; the season is line 2), and what else may be there: the legacy writer's Python-quoted
 * items (`['941225 i', '941226 i']`), and on line 3 our NITEs, or a PROPID (`2024A-0001`), or nothing.
 */
export function readOutputTxt(text: string): OutputTxtRead {
  const [first = '', second = '', third = ''] = text.split(/\r?\n/);
  const inner = first.trim().replace(/^\[/, '').replace(/\]$/, '');
  let quoted = false;
  const exposures = inner
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      const q = /^[uU]?(['"])(.*)\1$/.exec(s);
      if (q) quoted = true;
      const [expnum, band] = (q ? q[2]!.trim() : s).split(/\s+/);
      return { expnum: Number(expnum), band: band ?? '' };
    });
  const words = third.trim() === '' ? [] : third.trim().split(/\s+/);
  const line3: OutputTxtRead['line3'] =
    words.length === 0
      ? 'empty'
      : words.every((w) => NITE.test(w))
        ? 'nites'
        : words.length === 1 && PROPID.test(words[0]!)
          ? 'propid'
          : 'unrecognised';
  return {
    exposures,
    season: Number(second.trim()),
    nites: line3 === 'nites' ? words : [],
    items: quoted ? 'python-quoted' : 'plain',
    line3,
    ...(line3 === 'propid' ? { propid: words[0]! } : {}),
  };
}

export function distinct<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
