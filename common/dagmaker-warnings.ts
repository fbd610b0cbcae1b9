/**
 * DAGMaker's warnings as the operators' console shows them. DAGMaker exits 0 for an exposure
 * without templates, and its DAG is submitted, but it says `NO TEMPLATE IMAGES, DIFFIMG WILL FAIL`:
 * the exposure will fail on the grid, and whoever reads the status, the summary or post-processing's
 * verdict hours later must see that it was foretold, not hunt for it in dagmaker_EXPNUM.out.
 * Only the warnings classify.ts recognises are shown, each a fixed text: never a line of the tool's
 * output, nor text an input chose. Pure: imported by the client and the activities.
 */

/** The warnings classify.ts's dagMakerWarnings finds, most telling first. */
export const DAGMAKER_WARNINGS = {
  noTemplateImages: 'NO TEMPLATE IMAGES, DIFFIMG WILL FAIL',
  noTemplates: 'no templates for this exposure',
} as const;

const KNOWN: readonly string[] = Object.values(DAGMAKER_WARNINGS);

/** How long a warning may be in a status column. */
export const WARNING_NOTE_MAX = 40;

/** The warnings of `list` that DAGMaker's output can give (anything else, e.g. from a hand-written input, is dropped). */
export function knownWarnings(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return KNOWN.filter((w) => list.includes(w));
}

/** The one warning that says most: the one foretelling a failure, else the first. */
export function mainWarning(warnings: readonly string[]): string | undefined {
  return warnings.find((w) => /WILL FAIL/i.test(w)) ?? warnings[0];
}

/** The warning shown beside a status, clipped: `warning: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL`; none without warnings. */
export function warningNote(warnings: readonly string[] | undefined, max = WARNING_NOTE_MAX): string | undefined {
  const main = mainWarning(warnings ?? []);
  if (main === undefined) return undefined;
  return `warning: ${main.length > max ? `${main.slice(0, max - 1)}…` : main}`;
}

/** The warnings warningNote does not show whole: the others, and the one it shows when it was clipped. */
export function warningsBesideNote(warnings: readonly string[] | undefined, max = WARNING_NOTE_MAX): string[] {
  const main = mainWarning(warnings ?? []);
  const whole = main !== undefined && main.length <= max ? main : undefined;
  return (warnings ?? []).filter((w) => w !== whole);
}

/**
 * The warnings a run's manifest.json records per exposure (known warnings only), when the manifest
 * is of `season`; empty for anything else (another season's run, a file that is not a manifest).
 */
export function warningsInManifest(manifest: unknown, season: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const m = manifest as { season?: unknown; exposures?: unknown } | null;
  if (typeof m !== 'object' || m === null || m.season !== season || !Array.isArray(m.exposures)) return out;
  for (const e of m.exposures as { expnum?: unknown; warnings?: unknown }[]) {
    const known = knownWarnings(e?.warnings);
    if (typeof e?.expnum === 'number' && known.length > 0) out.set(e.expnum, known);
  }
  return out;
}

/**
 * A post-processing verdict's reason, pointing back to what DAGMaker foretold when the exposure
 * failed its checks: `DAGMaker warned: NO TEMPLATE IMAGES, DIFFIMG WILL FAIL; 0/59 complete, …`
 * (first, so that a reason cut short still says it). A verdict that passed is left as it is.
 */
export function reasonWithWarning(reason: string, passed: boolean, warnings: readonly string[] | undefined): string {
  const main = mainWarning(warnings ?? []);
  return passed || main === undefined ? reason : `DAGMaker warned: ${main}; ${reason}`;
}
