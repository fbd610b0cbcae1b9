/**
 * The failures run_postproc.py keeps quiet. Its step 2 runs `forcePhoto_master.pl` and ignores how
 * it ended, so a pass whose forced photometry died can still exit 0 with `complete` in its status
 * file. What died says so only in the run's output (postproc_run.out):
 * - ` ABORT: force job already running.` — another forced-photometry perl runs on this machine
 *   (any checkout, any season): transient, the pass is run again;
 * - ` ERROR: Required ENV variable 'NAME' is not defined` — diffimg_setup.sh's environment is not
 *   what forcePhoto_master.pl needs: running again would do the same;
 * - `FATAL ERROR` — forcePhoto_master.pl (an unknown argument, makeForceList aborting) or SNANA
 *   stopped: the same.
 * These are found by line, and a failure names the line number and which marker, never the line's
 * text (the output is the site's, not ours to echo). Pure.
 */

export interface SilentFailureMarker {
  /** The text looked for, anywhere in a line (case as written). */
  marker: string;
  /** What it means, in a few words. */
  means: string;
  /** Worth running the pass again (another job will end), rather than failing it. */
  transient: boolean;
}

export const SILENT_FAILURE_MARKERS: readonly SilentFailureMarker[] = Object.freeze([
  {
    marker: 'ABORT: force job already running',
    means: 'forcePhoto_master.pl found another forced-photometry job running on this machine and did nothing',
    transient: true,
  },
  {
    marker: 'Required ENV variable',
    means: 'forcePhoto_master.pl stopped: a variable it needs was not set by diffimg_setup.sh',
    transient: false,
  },
  {
    marker: 'FATAL ERROR',
    means: 'forced photometry stopped with a fatal error',
    transient: false,
  },
]);

export interface SilentFailure {
  /** 1-based line number in the output. */
  line: number;
  marker: string;
  means: string;
  transient: boolean;
}

/** Every line of the output holding a marker (the first marker a line holds), in order. */
export function findSilentFailures(output: string): SilentFailure[] {
  const found: SilentFailure[] = [];
  const lines = output.split(/\r?\n/);
  for (const [i, text] of lines.entries()) {
    const m = SILENT_FAILURE_MARKERS.find((k) => text.includes(k.marker));
    if (m) found.push({ line: i + 1, marker: m.marker, means: m.means, transient: m.transient });
  }
  return found;
}

/**
 * One sentence for what was found, and whether the pass is worth running again (only when every
 * marker found is a transient one), or null when nothing was. `file` names the output in the sentence.
 */
export function judgeSilentFailures(
  found: readonly SilentFailure[],
  file = 'postproc_run.out',
): { message: string; transient: boolean } | null {
  if (found.length === 0) return null;
  const firstOfEach = SILENT_FAILURE_MARKERS.map((k) => found.find((f) => f.marker === k.marker)).filter(
    (f): f is SilentFailure => f !== undefined,
  );
  // The one that decides comes first: a permanent failure outweighs a transient one.
  firstOfEach.sort((a, b) => Number(a.transient) - Number(b.transient) || a.line - b.line);
  const transient = firstOfEach.every((f) => f.transient);
  const parts = firstOfEach.map((f) => `line ${f.line}: "${f.marker}" (${f.means})`);
  const more = found.length - firstOfEach.length;
  const then = transient
    ? 'run_postproc.py ignores this and went on: worth running again, forced photometry included (one pass at a time per machine)'
    : 'run_postproc.py ignores this and went on, so its status file says nothing about it: the pass failed';
  return {
    transient,
    message: `${file} ${parts.join('; ')}${more > 0 ? ` (and ${more} more such line${more > 1 ? 's' : ''})` : ''}: ${then}`,
  };
}
