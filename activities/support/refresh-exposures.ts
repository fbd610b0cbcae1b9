/**
 * Refreshing the gw_workflow directory's `exposures.list` with the site's `getExposureInfo.sh`,
 * safely beside runs in progress. The real script rewrites `./exposures.list` in place while it
 * queries, so a DAGMaker reading it meanwhile finds its exposure missing ("Error with setting
 * band", permanent). Here the script runs in a scratch mirror of the directory, under a lock
 * (`flock`, one refresh at a time), and its files replace the site's by rename: readers see the
 * old table or the new one, never half. Runs also work from their own snapshot (prepareRun).
 */
import { scrubbedEnvironment } from './scrubbed-env.js';
import { execa } from 'execa';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The fixed bash program, run under the lock: sources the site environment in the gw_workflow
 * directory ($1), runs its getExposureInfo.sh in the scratch mirror ($2), then moves what it wrote
 * into place by rename, the band lists first and the table last. Paths are arguments, never
 * interpolated.
 */
const PROGRAM = [
  'cd "$1" && { source ./setup_img_proc.sh >/dev/null 2>&1 || exit 90; } && cd "$2" || exit 91',
  './getExposureInfo.sh || exit $?',
  '[ -s exposures.list ] || { echo "getExposureInfo.sh exited 0 but wrote no exposures.list" >&2; exit 92; }',
  'for f in exposures_*.list; do if [ -e "$f" ]; then mv -f -- "$f" "$1/$f" || exit 93; fi; done',
  'mv -f -- exposures.list "$1/exposures.list"',
].join('\n');

/** Files getExposureInfo.sh writes: the table and its per-band copies. */
const WRITTEN = /^exposures(_.+)?\.list$/;

export async function refreshExposuresList(gwWorkflowDir: string): Promise<void> {
  const scratch = await mkdtemp(join(gwWorkflowDir, '.refresh-exposures-'));
  try {
    // The scratch directory mirrors the site's (its scripts and inputs), less what the refresh writes.
    for (const name of await readdir(gwWorkflowDir)) {
      if (WRITTEN.test(name) || name.startsWith('.')) continue;
      await symlink(join(gwWorkflowDir, name), join(scratch, name));
    }
    const r = await execa(
      'flock',
      [
        '--timeout',
        '600',
        join(gwWorkflowDir, '.exposures.list.lock'),
        'bash',
        '-c',
        PROGRAM,
        'refresh-exposures',
        gwWorkflowDir,
        scratch,
      ],
      {
        reject: false,
        all: true,
        timeout: 15 * 60_000,
        env: scrubbedEnvironment(),
        extendEnv: false,
      },
    );
    if (r.exitCode !== 0) {
      // The last lines of a script's output, never a file's content.
      throw new Error(
        `refreshing exposures.list with getExposureInfo.sh failed (exit ${r.exitCode}): ${(r.all ?? '').split('\n').slice(-3).join(' | ')}`,
      );
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
