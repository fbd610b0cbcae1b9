/**
 * How run_postproc.py ended. It rewrites `PostProcStatus<SEASON>.txt` in its checkout after each
 * step: nine lines `0 ` / `1 ` (the steps' flags) and a last line `incomplete`, which becomes
 * `complete` only after step 7; its exit code alone says little (a run without candidates prints
 * "Step 6 failed due to empty candidate dfs. Ending PostProc." and exits 0). So:
 * - success: exit 0 and `complete` as the status file's last line;
 * - no candidates: that line in its output, and exit 0: its own outcome, neither success nor crash;
 * - otherwise failed, with the status file's last line (or its absence) and the exit code.
 * The caller must make sure the status file was written by this run (remove it before starting,
 * or compare times): an earlier run's `complete` would otherwise pass. Pure.
 */

export type PostprocOutcome = 'success' | 'no-candidates' | 'failed';

export interface PostprocEnd {
  outcome: PostprocOutcome;
  /** The status file's last line, trimmed; null when there was no status file or it was empty (not echoed in `reason` unless it is a word updateStatus.py writes). */
  lastStatusLine: string | null;
  /** The steps' flags as written (true for `1`), in file order. */
  flags: boolean[];
  /** A sentence for results and logs. */
  reason: string;
}

export interface PostprocEndInput {
  /** null when it was killed by a signal or timed out. */
  exitCode: number | null;
  /** The text of PostProcStatus<SEASON>.txt, or null when absent. */
  statusText: string | null;
  /** run_postproc.py's output (postproc_run.out), or its tail. */
  output: string;
}

export const NO_CANDIDATES_LINE = 'Step 6 failed due to empty candidate dfs';

/** The status file's lines, trailing blanks dropped. */
export function readPostprocStatus(text: string): { lines: string[]; flags: boolean[]; last: string | null } {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const flags = lines.filter((l) => l === '0' || l === '1').map((l) => l === '1');
  return { lines, flags, last: lines.length > 0 ? lines[lines.length - 1]! : null };
}

export function judgePostprocEnd(input: PostprocEndInput): PostprocEnd {
  const status = input.statusText === null ? null : readPostprocStatus(input.statusText);
  const last = status?.last ?? null;
  const flags = status?.flags ?? [];
  const how = input.exitCode === null ? 'was killed or timed out' : `exited ${input.exitCode}`;
  // Only the words updateStatus.py writes are quoted back; anything else is not echoed.
  const statusSays =
    last === null
      ? 'no status file'
      : /^(complete|incomplete|0|1)$/.test(last)
        ? `status file ends with "${last}"`
        : 'status file ends with an unexpected line';
  if (input.exitCode === 0 && last === 'complete')
    return {
      outcome: 'success',
      lastStatusLine: last,
      flags,
      reason: 'run_postproc.py exited 0 and its status file ends with complete',
    };
  if (input.output.includes(NO_CANDIDATES_LINE)) {
    if (input.exitCode === 0)
      return {
        outcome: 'no-candidates',
        lastStatusLine: last,
        flags,
        reason: 'no candidates: step 6 found empty candidate tables and ended post-processing',
      };
    return {
      outcome: 'failed',
      lastStatusLine: last,
      flags,
      reason: `run_postproc.py reported no candidates, then ${how} (${statusSays})`,
    };
  }
  if (input.exitCode === 0)
    return {
      outcome: 'failed',
      lastStatusLine: last,
      flags,
      reason: `run_postproc.py exited 0 but its ${statusSays}, not complete`,
    };
  return { outcome: 'failed', lastStatusLine: last, flags, reason: `run_postproc.py ${how} (${statusSays})` };
}

/**
 * makeDataFiles crashing on an empty database: `postproc.makedatafiles` takes `cols[0]` of the
 * season's SNCAND rows, so with none (the DAGs ran with WRITEDB=off, DAGMaker's default) it raises
 * IndexError. Found as an `IndexError` line whose traceback passed through `makedatafiles`; the
 * 1-based line number of the IndexError, or null. Running the pass again crashes the same way.
 */
export function findEmptyDatabaseCrash(output: string): number | null {
  const lines = output.split(/\r?\n/);
  for (const [i, text] of lines.entries()) {
    if (!/^IndexError\b/.test(text)) continue;
    const traceback = lines.slice(Math.max(0, i - 40), i);
    if (traceback.some((l) => /, in makedatafiles$/.test(l.trim()))) return i + 1;
  }
  return null;
}
