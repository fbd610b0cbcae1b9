/**
 * The DECam CCDs a search exposure is processed on: 1–62 without 2, 31 and 61 (2 and 61
 * stopped working early in DES, 31 has an unstable gain), 59 in all. DAGMaker writes one search
 * job per CCD, the grid writes each CCD's results to a `<BAND>_<CC>` directory, and
 * post-processing judges an exposure by them.
 * Pure: usable in workflow code.
 */

/** The 59 search CCDs, ascending. */
export const DECAM_CCDS: readonly number[] = Object.freeze(
  Array.from({ length: 62 }, (_, i) => i + 1).filter((c) => c !== 2 && c !== 31 && c !== 61),
);

export const DECAM_CCD_COUNT = DECAM_CCDS.length;

const SET = new Set(DECAM_CCDS);

/** True for the 59 search CCDs. */
export function isDecamCcd(ccd: number): boolean {
  return SET.has(ccd);
}

/** The CCD number as the pipeline's file names write it: two digits (`01`…`62`). */
export function ccdLabel(ccd: number): string {
  return String(ccd).padStart(2, '0');
}

/** The CCD's results directory under `exp/<NITE>/<EXPNUM>/dp<SEASON>/`: `<BAND>_<CC>`, e.g. `i_05`. */
export function ccdDirName(band: string, ccd: number): string {
  return `${band}_${ccdLabel(ccd)}`;
}
