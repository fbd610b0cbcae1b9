/**
 * The process launcher: a small Node process the worker starts once, which starts the site's tools
 * for it. Starting a process forks the process that starts it, and a fork costs in proportion to
 * that process's memory: ~1.5 ms from this one, ~14 ms from a 260 MB worker (bench/trace.ts), during
 * which the worker's event loop stands still. Each tool is started with `execa(file, args)`, in a
 * process group of its own, its stdout and stderr written straight into its `.out` file.
 *
 * Messages (IPC): in `{ id, file, args, cwd, env, outFile }`; out `{ id, pid }` once it runs, then
 * `{ id, exitCode, signal, error }` when it ends. The launcher exits when the worker goes away.
 */
import { execa } from 'execa';
import { closeSync, openSync } from 'node:fs';

export interface LaunchRequest {
  id: number;
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  outFile: string;
}

/** How a tool ended; `error` when it could not be started or waited for. */
export interface LaunchEnded {
  exitCode?: number;
  signal?: string;
  error?: string;
}

export type LaunchReply = { id: number; pid: number } | ({ id: number } & LaunchEnded);

const reply = (m: LaunchReply): void => void process.send?.(m);

process.on('message', (m: LaunchRequest) => {
  let fd: number | undefined;
  try {
    fd = openSync(m.outFile, 'w', 0o664);
    // A file descriptor as stdout/stderr: execa passes it to the child as is (its types leave integers out).
    const out = fd as unknown as 'inherit';
    const child = execa(m.file, m.args, {
      cwd: m.cwd,
      env: m.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: out,
      stderr: out,
      detached: true,
      reject: false,
      buffer: false,
    });
    if (child.pid !== undefined) reply({ id: m.id, pid: child.pid });
    child.then(
      (r) =>
        reply({
          id: m.id,
          exitCode: r.exitCode,
          signal: r.signal,
          ...(r.failed && r.exitCode === undefined && !r.signal ? { error: r.message } : {}),
        }),
      (err: Error) => reply({ id: m.id, error: err.message }),
    );
  } catch (err) {
    reply({ id: m.id, error: (err as Error).message });
  } finally {
    // The child has its own copy of the descriptor.
    if (fd !== undefined) closeSync(fd);
  }
});
process.on('disconnect', () => process.exit(0));
