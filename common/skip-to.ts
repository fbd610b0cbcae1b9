/**
 * The `--SKIPTO` a resumed post-processing uses, decided from what its own output directory holds
 * (the legacy automation looked in the wrong directory, so it never skipped). The legacy rule:
 * `makedatafiles/LightCurvesReal/*.dat` → 6, else `truthtable<S>/truthplus.tab` → 5, else none.
 * run_postproc.py then needs, for any SKIPTO above 0, `masterlist/expniteband_df.csv`,
 * `masterlist/<[masterlist] filename_1>`, `checkoutputs/step0_expnums.txt` and
 * `checkoutputs/step0_a_blacklist.txt`; for 5 and above the truth table; for 6 and above
 * `mastertableinfo.npy`. A choice whose files are not all there is lowered (6 → 5 → none) rather
 * than left to crash. Also checks a requested skipTo (0..7, as run_postproc.py's ValueError).
 * A pass whose forced photometry aborted (another force job ran on the machine: see
 * postproc-markers.ts) ends `complete` all the same, so its directory holds everything 6 needs:
 * run again, it must not skip step 2, so with `rerunForcephoto` it goes to 2 (step 0's files
 * there: SKIPTO above 2 skips forced photometry), else from the start.
 * The listing is of paths relative to the output directory, `/`-separated. Pure.
 *
 * `planPass` decides a whole pass. `--SKIPTO N > 0` makes run_postproc.py read the earlier pass's
 * `checkoutputs/step0_expnums.txt` instead of the list it is given (and skip forced photometry above
 * 2), so a SKIPTO above 0 is chosen only when the new list is that file's exposures; a list that
 * differs (a grown one, after `proceed`) runs from step 0 in a fresh directory: the earlier pass's
 * outputs are moved aside first. And since makeDataFiles' wait counts the files of
 * `makedatafiles/<outDir_data>/`, an earlier pass's data files would end it at once (the stale files
 * then combined): a pass that runs step 5 (no SKIPTO, or one up to 5) moves that directory aside.
 * The names come from the ini's own sections (common/postproc-ini.ts `postprocOutputNames`).
 */

export type SkipTo = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface SkipToDecision {
  /** 2 (forced photometry again), 5 or 6, or null: run from the start (no --SKIPTO). */
  skipTo: 2 | 5 | 6 | null;
  /** Why, in a sentence. */
  reason: string;
  /** Files the legacy rule's choice needed and did not find (empty when it held). */
  missing: string[];
}

export interface SkipToOptions {
  /** `[truthtable] plusname` (default truthplus.tab). */
  truthPlusName?: string;
  /** `[masterlist] filename_1` (default MasterExposureList_prelim.fits). */
  masterFile1?: string;
  /** `[GWmakeDataFiles-real] outDir_data` (default LightCurvesReal). */
  realDataDir?: string;
  /** The last pass's forced photometry aborted: run it again (2 at most). */
  rerunForcephoto?: boolean;
}

/** Checks a requested skipTo: an integer from 0 to 7 (run_postproc.py raises ValueError otherwise). */
export function checkSkipTo(n: unknown): SkipTo {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 7)
    throw new RangeError('skipTo must be an integer from 0 to 7 (run_postproc.py: NOT VALID SKIP TO ARGUMENT)');
  return n as SkipTo;
}

/** Decides the SKIPTO from the output directory's listing. */
export function decideSkipTo(listing: readonly string[], season: number, options: SkipToOptions = {}): SkipToDecision {
  const files = new Set(listing.map((p) => p.replace(/^\.\//, '')));
  const truth = `truthtable${season}/${options.truthPlusName ?? 'truthplus.tab'}`;
  const step0 = [
    'masterlist/expniteband_df.csv',
    `masterlist/${options.masterFile1 ?? 'MasterExposureList_prelim.fits'}`,
    'checkoutputs/step0_expnums.txt',
    'checkoutputs/step0_a_blacklist.txt',
  ];
  const hasDat = hasDataFiles(files, options.realDataDir);
  const absent = (need: string[]) => need.filter((f) => !files.has(f));
  if (options.rerunForcephoto) {
    const missing0 = absent(step0);
    if (missing0.length === 0)
      return {
        skipTo: 2,
        reason: "the last pass's forced photometry aborted: from step 2 (forced photometry)",
        missing: [],
      };
    return {
      skipTo: null,
      reason: `the last pass's forced photometry aborted, and step 0's files are not all there (${missing0.join(', ')}): from the start`,
      missing: missing0,
    };
  }
  if (hasDat) {
    const missing6 = absent([...step0, truth, 'mastertableinfo.npy']);
    if (missing6.length === 0)
      return {
        skipTo: 6,
        reason: 'step 5 made light-curve data files (makedatafiles/LightCurvesReal/*.dat)',
        missing: [],
      };
    const missing5 = absent([...step0, truth]);
    if (missing5.length === 0)
      return {
        skipTo: 5,
        reason: 'data files are there but not mastertableinfo.npy, which step 6 loads: step 5 again',
        missing: missing6,
      };
    return {
      skipTo: null,
      reason: `data files are there but not what skipping needs (${missing5.join(', ')}): from the start`,
      missing: missing6,
    };
  }
  if (files.has(truth)) {
    const missing5 = absent(step0);
    if (missing5.length === 0) return { skipTo: 5, reason: `step 4 made the truth table (${truth})`, missing: [] };
    return {
      skipTo: null,
      reason: `the truth table is there but not step 0's files (${missing5.join(', ')}): from the start`,
      missing: missing5,
    };
  }
  return { skipTo: null, reason: 'no step 4 or 5 output in the directory: from the start', missing: [] };
}

/** The light-curve data files of `makedatafiles/<realDataDir>/` are in the listing. */
function hasDataFiles(files: Iterable<string>, realDataDir = 'LightCurvesReal'): boolean {
  const prefix = `makedatafiles/${realDataDir}/`;
  for (const p of files) {
    const rest = p.replace(/^\.\//, '');
    if (rest.startsWith(prefix) && !rest.slice(prefix.length).includes('/') && rest.endsWith('.dat')) return true;
  }
  return false;
}

export interface PassPlanInput extends SkipToOptions {
  /** The exposures of `checkoutputs/step0_expnums.txt` (the earlier pass's step 0), or null when absent or unreadable. */
  step0Expnums: readonly number[] | null;
  /** The exposures of the list this pass is given. */
  listExpnums: readonly number[];
  /** A --SKIPTO the person asked for, or null. */
  requested: number | null;
}

export interface PassPlan {
  /** The --SKIPTO to pass, or null: from the start. */
  skipTo: number | null;
  /** Why, in a sentence. */
  reason: string;
  /** Files the legacy rule's choice needed and did not find. */
  missing: string[];
  /** The earlier pass's outputs are moved aside first: the list differs from its step 0's. */
  fresh: boolean;
  /** `makedatafiles/<outDir_data>` to move aside before the pass (it runs step 5 and data files are there), or null. */
  moveDataDir: string | null;
}

/** Exposures of the two lists: those only in `now` and those only in `before`. */
function difference(before: readonly number[], now: readonly number[]): { added: number[]; gone: number[] } {
  const b = new Set(before);
  const n = new Set(now);
  return { added: [...n].filter((e) => !b.has(e)), gone: [...b].filter((e) => !n.has(e)) };
}

/** Decides a pass: its --SKIPTO, whether its directory starts fresh, and what is moved aside. */
export function planPass(listing: readonly string[], season: number, input: PassPlanInput): PassPlan {
  const files = new Set(listing.map((p) => p.replace(/^\.\//, '')));
  const dataDir = `makedatafiles/${input.realDataDir ?? 'LightCurvesReal'}`;
  const runsStep5 = (skip: number | null) => skip === null || skip <= 5;
  const moveData = (skip: number | null) =>
    runsStep5(skip) && hasDataFiles(files, input.realDataDir) ? dataDir : null;
  const diff = input.step0Expnums === null ? null : difference(input.step0Expnums, input.listExpnums);
  const differs = diff !== null && (diff.added.length > 0 || diff.gone.length > 0);
  const said = (d: { added: number[]; gone: number[] }) =>
    [
      d.added.length > 0
        ? `${d.added.length} new (${d.added.slice(0, 5).join(', ')}${d.added.length > 5 ? ', …' : ''})`
        : '',
      d.gone.length > 0
        ? `${d.gone.length} gone (${d.gone.slice(0, 5).join(', ')}${d.gone.length > 5 ? ', …' : ''})`
        : '',
    ]
      .filter((x) => x !== '')
      .join(', ');
  if (input.requested !== null) {
    const note =
      input.requested > 0 && differs
        ? `; run_postproc.py reads the earlier pass's checkoutputs/step0_expnums.txt, not this list (${said(diff)})`
        : '';
    return {
      skipTo: input.requested,
      reason: `--SKIPTO ${input.requested} as asked${note}`,
      missing: [],
      fresh: false,
      moveDataDir: moveData(input.requested),
    };
  }
  if (differs)
    return {
      skipTo: null,
      reason: `the list differs from the earlier pass's checkoutputs/step0_expnums.txt (${said(diff)}), which --SKIPTO would read instead: from step 0, its outputs moved aside`,
      missing: [],
      fresh: true,
      moveDataDir: null,
    };
  const d = decideSkipTo(listing, season, input);
  return { ...d, fresh: false, moveDataDir: moveData(d.skipTo) };
}
