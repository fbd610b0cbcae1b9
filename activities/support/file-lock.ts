/**
 * A lock file for a read-modify-write of a run's files by activities that may race (two attempts,
 * two workers on one host): created exclusively, holding the holder's pid; a lock whose holder
 * has died is taken over. Run directories are local to the DES machine, so pids are meaningful.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { processAlive } from './run-logged.js';

/** Runs `fn` holding `lockFile`; waits up to `timeoutMs` for another holder. */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const fh = await open(lockFile, 'wx', 0o664).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return null;
      throw err;
    });
    if (fh !== null) {
      try {
        await fh.writeFile(String(process.pid));
      } finally {
        await fh.close();
      }
      try {
        return await fn();
      } finally {
        await rm(lockFile, { force: true });
      }
    }
    const holder = Number((await readFile(lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isSafeInteger(holder) && holder > 0 && !processAlive(holder)) {
      await rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`${lockFile} is held by process ${holder || '?'} for more than ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
