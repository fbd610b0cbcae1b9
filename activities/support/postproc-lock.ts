/**
 * One run_postproc.py pass at a time per machine, and per checkout. forcePhoto_master.pl (step 2)
 * aborts with `ABORT: force job already running` when any other forced-photometry perl runs on the
 * machine, whatever its checkout or season, and run_postproc.py then goes on as if it had not; and a
 * checkout's status files and diffimg_setup.sh's "last ini" rule allow one pass there at a time (a
 * checkout may be shared by machines). So a pass runs under two `flock -n`: first the host's lock
 * file (the worker's DESGW_POSTPROC_LOCK, the same for every worker of the machine), then the
 * checkout's; a lock held is an exit code saying which, and the holder's files (written by the pass
 * once it holds them, removed as it lets go) say who. `probeLocks` looks before a pass prepares anything (its output
 * directory is left alone while another pass runs); `underLocks` is the pass's own command.
 */
import { access, constants, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { errorForHistory } from '../../common/failures.js';
import type { WorkerConfig } from '../../common/settings.js';
import { CHECKOUT_BUSY, CHECKOUT_HOLDER, CHECKOUT_LOCK } from './postproc-environment.js';
import { scrubbedEnvironment } from './scrubbed-env.js';

/** flock's exit code when the host's lock is held (the checkout's: CHECKOUT_BUSY). */
export const HOST_BUSY = 76;
/** How long a look at a held lock waits for its holder's file to name the holder. */
const HOLDER_WAIT_MS = 2000;
/** flock's own exit code when it cannot open its lock file (EX_NOINPUT). */
const CANNOT_OPEN = 66;

/** Who holds the host's lock: `<workflow id> in <checkout>`, beside the lock file. */
export function hostHolderFile(config: Pick<WorkerConfig, 'postprocLock'>): string {
  return `${config.postprocLock}.holder`;
}

/** `[file, ...args]`: the command under the host's lock, then the checkout's, each `flock -n`. */
export function underLocks(config: Pick<WorkerConfig, 'postprocLock'>, checkout: string, command: string[]): string[] {
  return [
    'flock',
    '-n',
    '-E',
    String(HOST_BUSY),
    config.postprocLock,
    'flock',
    '-n',
    '-E',
    String(CHECKOUT_BUSY),
    join(checkout, CHECKOUT_LOCK),
    ...command,
  ];
}

/** The sentence for an exit code saying a lock is held (naming who holds it), else null. */
export async function busyMessage(
  config: Pick<WorkerConfig, 'postprocLock'>,
  checkout: string,
  exitCode: number | undefined,
): Promise<string | null> {
  // The holder writes its file the moment it holds the lock, and removes it as it lets go: a look
  // in between those moments waits for it, briefly.
  const holder = async (file: string) => {
    for (let i = 0; i < HOLDER_WAIT_MS / 50; i++) {
      const text = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (text) return ` (${errorForHistory(text, 200)})`;
      await new Promise((r) => setTimeout(r, 50));
    }
    return '';
  };
  if (exitCode === HOST_BUSY)
    return `another post-processing runs on this machine${await holder(hostHolderFile(config))}: forced photometry allows one at a time per machine, so this one waits its turn`;
  if (exitCode === CHECKOUT_BUSY)
    return `another post-processing${await holder(join(checkout, CHECKOUT_HOLDER))} is running in ${checkout}: this one waits its turn`;
  return null;
}

/**
 * Whether a pass could start now: null when both locks are free (taken and let go at once), else
 * `{ busy }` (who holds which) or `{ problem }` (the host's lock file cannot be opened: a setting to fix).
 */
export async function probeLocks(
  config: Pick<WorkerConfig, 'postprocLock'>,
  checkout: string,
): Promise<{ busy: string } | { problem: string } | null> {
  const [file, ...args] = underLocks(config, checkout, ['true']);
  const r = await execa(file!, args, { reject: false, timeout: 30_000, env: scrubbedEnvironment(), extendEnv: false });
  const busy = await busyMessage(config, checkout, r.exitCode);
  if (busy) return { busy };
  if (r.exitCode === 0) return null;
  if (r.exitCode === CANNOT_OPEN && r.stderr.includes(config.postprocLock))
    return {
      problem:
        (await lockProblem(config)) ??
        `DESGW_POSTPROC_LOCK ${config.postprocLock} cannot be opened (the worker's settings): post-processing cannot run`,
    };
  return { problem: `the post-processing locks could not be taken (flock exited ${r.exitCode ?? 'by a signal'})` };
}

/** The host's lock file must be there or makeable: said once when a post-processing starts, not hours later. */
export async function lockProblem(config: Pick<WorkerConfig, 'postprocLock'>): Promise<string | null> {
  const ok = (p: string, mode: number) =>
    access(p, mode).then(
      () => true,
      () => false,
    );
  if (
    (await ok(config.postprocLock, constants.R_OK)) ||
    (await ok(dirname(config.postprocLock), constants.W_OK | constants.X_OK))
  )
    return null;
  return `DESGW_POSTPROC_LOCK ${config.postprocLock} can be neither opened nor made (the worker's settings: its directory must exist and be writable by the worker): post-processing cannot run`;
}
