/**
 * Runs a site tool as a child process — always `execa(file, args)`, never a shell string — with its
 * stdout and stderr written to an `.out` file, heartbeats carrying the tail of that output, a
 * timeout, and, on cancellation or timeout, the whole process group killed (DAGMaker starts
 * children of its own). The process group id is kept in a pid file beside the output so a later
 * attempt can kill what a dead worker left running.
 */
import { Context } from '@temporalio/activity';
import { execa } from 'execa';
import { createWriteStream } from 'node:fs';
import { readFile, realpath, rm, writeFile } from 'node:fs/promises';

export interface RunLoggedOptions {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  outFile: string;
  pidFile: string;
  timeoutS: number;
  heartbeatEveryS: number;
  /** What the heartbeat says the process is, e.g. `DAGMaker 941225`. */
  label: string;
}

export interface RunLoggedResult {
  exitCode: number | undefined;
  /** Set when the process was killed by us (timeout) or by a signal. */
  killed: 'timeout' | 'cancelled' | 'signal' | null;
  output: string;
  durationMs: number;
}

const TAIL_LINES = 8;

export async function runLogged(o: RunLoggedOptions): Promise<RunLoggedResult> {
  await killLeftover(o.pidFile, o.cwd);
  const ctx = activityContext();
  const started = Date.now();
  const out = createWriteStream(o.outFile, { flags: 'w', mode: 0o664 });
  const child = execa(o.file, o.args, {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    stdin: 'ignore',
    all: true,
    buffer: false,
    reject: false,
    detached: true, // its own process group, so everything it starts can be killed together
  });
  const pgid = child.pid;
  if (pgid !== undefined) await writeFile(o.pidFile, `${pgid}\n`, { mode: 0o664 });

  let output = '';
  child.all?.on('data', (chunk: Buffer) => {
    out.write(chunk);
    output += chunk.toString('utf8');
  });

  let killed: RunLoggedResult['killed'] = null;
  const killGroup = (why: 'timeout' | 'cancelled'): void => {
    if (killed || pgid === undefined) return;
    killed = why;
    signalGroup(pgid, 'SIGTERM');
    setTimeout(() => signalGroup(pgid, 'SIGKILL'), 5000).unref();
  };
  const timer = setTimeout(() => killGroup('timeout'), o.timeoutS * 1000);
  const beat = setInterval(() => {
    ctx?.heartbeat({ label: o.label, elapsedS: Math.round((Date.now() - started) / 1000), tail: tailOf(output) });
  }, o.heartbeatEveryS * 1000);
  const onCancel = (): void => killGroup('cancelled');
  ctx?.cancellationSignal.addEventListener('abort', onCancel);

  try {
    const result = await child;
    if (!killed && result.signal) killed = 'signal';
    return { exitCode: result.exitCode, killed, output, durationMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    ctx?.cancellationSignal.removeEventListener('abort', onCancel);
    await new Promise<void>((res) => out.end(res));
    await rm(o.pidFile, { force: true });
  }
}

export function tailOf(output: string, lines = TAIL_LINES): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Kills the process group recorded by an earlier attempt whose worker died, if it still runs — and
 * only if that process still works in the same directory, so a recycled pid is never hit.
 */
async function killLeftover(pidFile: string, cwd: string): Promise<void> {
  const text = await readFile(pidFile, 'utf8').catch(() => '');
  const pgid = Number(text.trim());
  if (!Number.isInteger(pgid) || pgid <= 1) return;
  const [theirs, ours] = await Promise.all([realpath(`/proc/${pgid}/cwd`).catch(() => null), realpath(cwd).catch(() => cwd)]);
  if (theirs === ours) signalGroup(pgid, 'SIGKILL');
  await rm(pidFile, { force: true });
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, scripts)
  }
}
