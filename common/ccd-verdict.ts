/**
 * Judging an exposure's grid results the way the science needs, from a listing of its CCD
 * directories `<root>/exp/<NITE>/<EXPNUM>/dp<SEASON>/<BAND>_<CC>/` (the caller lists them; this
 * module only reads the names). DAGMaker creates all 59 directories before any job runs, so their
 * existence says nothing; what is in them does:
 * - a CCD holding any `*.FAIL` has failed, even with its `outputs_*.tar.gz` there (SEdiff.sh copies
 *   the tarball back after a failed step too, so a FAIL outweighs a tarball);
 * - else a CCD holding `outputs_*.tar.gz` is complete;
 * - else (nothing yet, or a job that died before copying) it is incomplete.
 * The exposure passes with at least `minCompleteCcds` complete CCDs (default 50, as the legacy
 * check). FAIL files are named `RUN<nn>_<step>.FAIL` after the diffimg step that failed (e.g.
 * `RUN05_expose_makeWeight.FAIL`); the steps seen are reported with their CCDs.
 * Given this DAG's submission time and the files' times, files an earlier DAG of the same exposure
 * and season left there are not counted (common/grid-files.ts), and the verdict says how many.
 * Pure: usable in workflow code.
 */
import { DECAM_CCDS, DECAM_CCD_COUNT } from './decam-ccds.js';
import { splitByDag, type GridEntry } from './grid-files.js';

export const DEFAULT_MIN_COMPLETE_CCDS = 50;

export type CcdState = 'complete' | 'failed' | 'incomplete';

/** A diffimg step that left `RUN<nn>_<step>.FAIL` files, and the CCDs where it did. */
export interface FailStep {
  /** The step's name, e.g. `expose_makeWeight` for RUN05_expose_makeWeight.FAIL; for a FAIL file of another shape, its name without `.FAIL`. */
  step: string;
  /** The run number `nn`, or null for a FAIL file not named RUN<nn>_<step>.FAIL. */
  run: number | null;
  ccds: number[];
}

export interface CcdVerdict {
  passed: boolean;
  minCompleteCcds: number;
  counts: { complete: number; failed: number; incomplete: number; total: number };
  complete: number[];
  failed: number[];
  incomplete: number[];
  /** Ordered by run number, then name. */
  failSteps: FailStep[];
  /** FAIL files and tarballs an earlier DAG left, not counted (0 without times to tell). */
  earlierDagFiles: number;
}

/**
 * The files of each CCD directory, keyed by CCD number; a CCD without an entry has an empty or
 * missing directory. A file given with its time (GridEntry) can be told to be an earlier DAG's.
 */
export type CcdListing = Readonly<Record<number, readonly GridEntry[]>>;

const TARBALL = /^outputs_.*\.tar\.gz$/;
const FAIL = /\.FAIL$/;
const RUN_FAIL = /^RUN(\d+)_(.+)\.FAIL$/;

/** The state of one CCD from the names in its directory. */
export function ccdState(files: readonly string[]): CcdState {
  if (files.some((f) => FAIL.test(f))) return 'failed';
  if (files.some((f) => TARBALL.test(f))) return 'complete';
  return 'incomplete';
}

/** Checks a minCompleteCcds setting: an integer from 1 to 59. */
export function checkMinCompleteCcds(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > DECAM_CCD_COUNT) {
    throw new RangeError(`minCompleteCcds must be an integer from 1 to ${DECAM_CCD_COUNT}`);
  }
  return n;
}

/**
 * Judges one exposure from its CCD listing. Entries for CCDs other than the 59 are ignored. With
 * `submittedAtMs` (this DAG's submission), FAIL files and tarballs older than it (less the clocks'
 * slack) are an earlier DAG's: not counted.
 */
export function judgeCcds(
  listing: CcdListing,
  minCompleteCcds: number = DEFAULT_MIN_COMPLETE_CCDS,
  submittedAtMs?: number,
): CcdVerdict {
  checkMinCompleteCcds(minCompleteCcds);
  const byState: Record<CcdState, number[]> = { complete: [], failed: [], incomplete: [] };
  const steps = new Map<string, FailStep>();
  let earlierDagFiles = 0;
  for (const ccd of DECAM_CCDS) {
    const { current: files, earlier } = splitByDag(listing[ccd] ?? [], submittedAtMs);
    earlierDagFiles += earlier.filter((f) => FAIL.test(f) || TARBALL.test(f)).length;
    const state = ccdState(files);
    byState[state].push(ccd);
    if (state !== 'failed') continue;
    for (const f of files.filter((x) => FAIL.test(x))) {
      const m = RUN_FAIL.exec(f);
      const step = m ? m[2]! : f.replace(FAIL, '');
      const run = m ? Number(m[1]) : null;
      const id = `${run ?? ''}\u0000${step}`;
      const entry = steps.get(id) ?? { step, run, ccds: [] };
      if (!entry.ccds.includes(ccd)) entry.ccds.push(ccd);
      steps.set(id, entry);
    }
  }
  const failSteps = [...steps.values()].sort(
    (a, b) => (a.run ?? Infinity) - (b.run ?? Infinity) || a.step.localeCompare(b.step),
  );
  return {
    passed: byState.complete.length >= minCompleteCcds,
    minCompleteCcds,
    counts: {
      complete: byState.complete.length,
      failed: byState.failed.length,
      incomplete: byState.incomplete.length,
      total: DECAM_CCD_COUNT,
    },
    complete: byState.complete,
    failed: byState.failed,
    incomplete: byState.incomplete,
    failSteps,
    earlierDagFiles,
  };
}

/** One line for logs and results, e.g. `52/59 complete, 4 failed (RUN05 expose_makeWeight ×3, …), 3 incomplete: passes (≥ 50)`. */
export function describeCcdVerdict(v: CcdVerdict): string {
  const steps = v.failSteps.map(
    (s) => `${s.run === null ? '' : `RUN${String(s.run).padStart(2, '0')} `}${s.step} ×${s.ccds.length}`,
  );
  return (
    `${v.counts.complete}/${v.counts.total} complete, ${v.counts.failed} failed${steps.length ? ` (${steps.join(', ')})` : ''}, ` +
    `${v.counts.incomplete} incomplete: ${v.passed ? 'passes' : 'fails'} (needs ≥ ${v.minCompleteCcds})` +
    (v.earlierDagFiles > 0
      ? `; ${v.earlierDagFiles} FAIL file${v.earlierDagFiles > 1 ? 's' : ''} or tarball${v.earlierDagFiles > 1 ? 's' : ''} of an earlier DAG not counted`
      : '')
  );
}
