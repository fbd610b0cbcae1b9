/**
 * Judging an exposure's forced-photometry files, in
 * `<root>/forcephoto/images/dp<SEASON>/<NITE>/<EXPNUM>/` (the caller lists the directory; this
 * module only reads the names). The grid writes a `.fits` and a `.psf` per complete CCD, named
 * `*_<BAND>_*`. As the legacy check:
 * - the files counted are those whose name holds `_<BAND>_`; expected is 2 per complete CCD;
 * - all there → accepted; more than half → accepted, naming the complete CCDs short of a file;
 * - half or fewer → rejected; more than expected → rejected (something else wrote there).
 * With no complete CCD nothing is expected and the exposure is rejected as too few.
 *
 * File names (our choice, shaped after those Post-Processing's recopy script parses:
 * `WS<SEASON, 4 digits>_<EXPNUM>_…combined_<BAND>_<CC>…`):
 * `WS<SSSS>_<EXPNUM>_combined_<BAND>_<CC>_diff_mh.fits` and `…_diff_mh.psf`, e.g.
 * `WS2206_941225_combined_i_05_diff_mh.fits`. A file belongs to CCD `CC` when its name holds
 * `_<BAND>_<CC>` not followed by another digit. The sandbox grid writes exactly these names.
 * Given this DAG's submission time and the files' times, files an earlier DAG of the same exposure
 * and season left there are not counted (common/grid-files.ts), and the verdict says how many.
 * Pure: usable in workflow code.
 */
import { ccdLabel } from './decam-ccds.js';
import { splitByDag, type GridEntry } from './grid-files.js';

export type ForcephotoOutcome = 'complete' | 'partial' | 'too-few' | 'too-many';

export interface ForcephotoVerdict {
  outcome: ForcephotoOutcome;
  accepted: boolean;
  /** 2 per complete CCD. */
  expected: number;
  /** Files named `*_<BAND>_*`. */
  found: number;
  /** Complete CCDs without their `.fits` or their `.psf`, ascending. */
  missingCcds: number[];
  /** Files named `*_<BAND>_*` an earlier DAG left, not counted (0 without times to tell). */
  earlierDagFiles: number;
}

export interface ForcephotoInput {
  band: string;
  /** The CCDs judged complete (judgeCcds). */
  completeCcds: readonly number[];
  /** The names in the exposure's forced-photometry directory, with their times when looked at. */
  files: readonly GridEntry[];
  /** This DAG's submission: files older (less the clocks' slack) are an earlier DAG's, not counted. */
  submittedAtMs?: number;
}

const BAND = /^[A-Za-z]{1,2}$/;

/** The two forced-photometry file names of one CCD (the naming above). */
export function forcephotoFileNames(
  season: number,
  expnum: number,
  band: string,
  ccd: number,
): { fits: string; psf: string } {
  const stem = `WS${String(season).padStart(4, '0')}_${expnum}_combined_${band}_${ccdLabel(ccd)}_diff_mh`;
  return { fits: `${stem}.fits`, psf: `${stem}.psf` };
}

/** The CCD a forced-photometry file belongs to, or null when its name does not say. */
export function forcephotoFileCcd(name: string, band: string): number | null {
  const m = new RegExp(`_${band}_(\\d\\d)(?!\\d)`).exec(name);
  return m ? Number(m[1]) : null;
}

export function judgeForcephoto(input: ForcephotoInput): ForcephotoVerdict {
  const { band, completeCcds } = input;
  if (!BAND.test(band)) throw new RangeError('band must be one or two letters');
  const { current: files, earlier } = splitByDag(input.files, input.submittedAtMs);
  const ours = (f: string) => !f.startsWith('.') && f.includes(`_${band}_`);
  const counted = files.filter(ours);
  const expected = 2 * completeCcds.length;
  const found = counted.length;
  const has = new Set<string>();
  for (const f of counted) {
    const ccd = forcephotoFileCcd(f, band);
    if (ccd === null) continue;
    if (f.endsWith('.fits')) has.add(`${ccd}.fits`);
    if (f.endsWith('.psf')) has.add(`${ccd}.psf`);
  }
  const missingCcds = [...completeCcds]
    .filter((c) => !has.has(`${c}.fits`) || !has.has(`${c}.psf`))
    .sort((a, b) => a - b);
  let outcome: ForcephotoOutcome;
  if (found > expected) outcome = 'too-many';
  else if (expected > 0 && found === expected) outcome = 'complete';
  else if (found > expected / 2) outcome = 'partial';
  else outcome = 'too-few';
  return {
    outcome,
    accepted: outcome === 'complete' || outcome === 'partial',
    expected,
    found,
    missingCcds,
    earlierDagFiles: earlier.filter(ours).length,
  };
}

/** One line for logs and results. */
export function describeForcephotoVerdict(v: ForcephotoVerdict): string {
  const what: Record<ForcephotoOutcome, string> = {
    complete: 'all there: accepted',
    partial: `more than half: accepted${v.missingCcds.length ? `; CCDs short of a file: ${v.missingCcds.join(', ')}` : ''}`,
    'too-few': 'half or fewer: rejected',
    'too-many': 'more than expected: rejected',
  };
  const earlier = v.earlierDagFiles > 0 ? ` (${v.earlierDagFiles} of an earlier DAG not counted)` : '';
  return `forced photometry ${v.found}/${v.expected} files${earlier}, ${what[v.outcome]}`;
}
