/**
 * Runs a site tool as a child process — always `execa(file, args)`, never a shell string, started
 * by the process launcher (launcher-process.ts) — with its stdout and stderr written to an `.out`
 * file (or appended by the tool itself to a log it opens only once it runs, e.g. after a lock),
 * heartbeats carrying the tail of that output, a timeout, and, on cancellation or timeout,
 * the whole process group killed (DAGMaker starts children of its own). The process group id is
 * kept in a pid file beside the output so a later attempt can kill what a dead worker left running.
 */
import { Context } from '@temporalio/activity';
import { open, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { launch, signalGroup } from './launcher.js';
import { exposureFiles, RUN_FILES } from '../../common/run-files.js';

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
  /**
   * The file the tool itself appends its output to once it runs (it redirects itself there, e.g.
   * only after taking a lock), never opened here for writing: heartbeats and the result read it
   * from where it ended when the tool started, then what `outFile` caught before (a lock not taken).
   */
  appendsTo?: string;
}

export interface RunLoggedResult {
  exitCode: number | undefined;
  /**
   * Set when the process was killed: by us after its timeout, on the activity's cancellation, on
   * the worker's shutdown (a deploy or `systemctl restart`, after its grace time), or by a signal.
   */
  killed: 'timeout' | 'cancelled' | 'shutdown' | 'signal' | null;
  output: string;
  durationMs: number;
  /** With `appendsTo`: the lines that file held before (line N of `output` is its line priorLines + N). */
  priorLines?: number;
}

const TAIL_LINES = 8;

export async function runLogged(o: RunLoggedOptions): Promise<RunLoggedResult> {
  await killLeftover(o.pidFile);
  const ctx = activityContext();
  const before = o.appendsTo ? await readFile(o.appendsTo).catch(() => Buffer.alloc(0)) : null;
  const from = before?.length ?? 0;
  const started = Date.now();
  // Started by the launcher (see launcher-process.ts), its output straight into the .out file.
  const { pid: pgid, exited } = await launch({
    file: o.file,
    args: o.args,
    cwd: o.cwd,
    env: o.env,
    outFile: o.outFile,
  });
  // The group and the worker that owns it: a later attempt or worker kills the group only once its owner is gone.
  if (pgid !== undefined)
    await writeFile(o.pidFile, JSON.stringify({ pgid, owner: process.pid, cwd: o.cwd }) + '\n', { mode: 0o664 });

  let killed: RunLoggedResult['killed'] = null;
  const killGroup = (why: 'timeout' | 'cancelled' | 'shutdown'): void => {
    if (killed || pgid === undefined) return;
    killed = why;
    signalGroup(pgid, 'SIGTERM');
    setTimeout(() => signalGroup(pgid, 'SIGKILL'), 5000).unref();
  };
  const timer = setTimeout(() => killGroup('timeout'), o.timeoutS * 1000);
  const beat = setInterval(() => {
    void readTail(o.appendsTo ?? o.outFile, from).then((tail) =>
      ctx?.heartbeat({ label: o.label, elapsedS: Math.round((Date.now() - started) / 1000), tail: tailOf(tail) }),
    );
  }, o.heartbeatEveryS * 1000);
  const onCancel = (): void => killGroup(ctx && isWorkerShutdown(ctx) ? 'shutdown' : 'cancelled');
  ctx?.cancellationSignal.addEventListener('abort', onCancel);

  try {
    const result = await exited;
    if (!killed && result.signal) killed = 'signal';
    let output = await readFile(o.outFile, 'utf8').catch(() => '');
    if (o.appendsTo) {
      const own = (await readFile(o.appendsTo).catch(() => Buffer.alloc(0))).subarray(from).toString('utf8');
      output = own + (output && own && !own.endsWith('\n') ? '\n' : '') + output;
    }
    if (result.error) output += `${output && !output.endsWith('\n') ? '\n' : ''}${result.error}\n`;
    const priorLines = before ? { priorLines: before.filter((b) => b === 0x0a).length } : {};
    return { exitCode: result.exitCode, killed, output, durationMs: Date.now() - started, ...priorLines };
  } finally {
    clearTimeout(timer);
    clearInterval(beat);
    ctx?.cancellationSignal.removeEventListener('abort', onCancel);
    await rm(o.pidFile, { force: true });
  }
}

/** The last few kilobytes of a growing output file (nothing before `from`). */
async function readTail(file: string, from = 0, bytes = 4096): Promise<string> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return '';
  try {
    const { size } = await fh.stat();
    if (size <= from) return '';
    const start = Math.max(from, size - bytes);
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(size - start), 0, size - start, start);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return start > from ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    await fh.close();
  }
}

export function tailOf(output: string, lines = TAIL_LINES): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * The process group recorded by an earlier attempt whose worker died, if it still runs: only if its
 * owner is gone and a member of the group still works in the same directory, so a recycled pid or a
 * live worker's process is never taken for it. A pid file that names nothing running is removed.
 */
async function leftoverGroup(pidFile: string): Promise<number | null> {
  const text = await readFile(pidFile, 'utf8').catch(() => null);
  if (text === null) return null;
  const { pgid, owner, cwd } = parsePidFile(text);
  if (!pgid || pgid <= 1 || !cwd) return null;
  if (owner && owner !== process.pid && processAlive(owner)) return null;
  const ours = await realpath(cwd).catch(() => cwd);
  const members = await groupMembers(pgid);
  const here = await Promise.all(members.map((pid) => realpath(`/proc/${pid}/cwd`).catch(() => null)));
  if (here.includes(ours)) return pgid;
  await rm(pidFile, { force: true });
  return null;
}

/** Kills what an earlier attempt whose worker died left running (see leftoverGroup). Returns whether it killed anything. */
export async function killLeftover(pidFile: string): Promise<boolean> {
  const pgid = await leftoverGroup(pidFile);
  if (pgid !== null) signalGroup(pgid, 'SIGKILL');
  await rm(pidFile, { force: true });
  return pgid !== null;
}

/**
 * Waits until what an earlier attempt whose worker died left running has ended by itself, then
 * returns; after `timeoutS` it is killed. A submission is awaited, not killed: its output tells
 * whether the DAG reached the grid, which jobsub_q cannot (it never shows a DAG's name).
 */
export async function awaitLeftover(pidFile: string, timeoutS: number): Promise<void> {
  const until = Date.now() + timeoutS * 1000;
  while ((await leftoverGroup(pidFile)) !== null) {
    if (Date.now() > until) {
      await killLeftover(pidFile);
      return;
    }
    activityContext()?.heartbeat({ label: 'waiting for the command an earlier attempt left running' });
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Kills what dead workers left running under a runs directory (called when a worker starts):
 * setup scripts and DAGMakers, which run again. Submissions are left to finish (awaitLeftover).
 */
export async function killLeftoversUnder(runsDir: string): Promise<number> {
  let killed = 0;
  const runs = await readdir(runsDir).catch(() => [] as string[]);
  for (const run of runs) {
    const runDir = join(runsDir, run);
    const pidFiles = [
      join(runDir, RUN_FILES.setupPid),
      ...(await readdir(runDir).catch(() => [] as string[]))
        .filter((d) => d.startsWith('exp_'))
        .map((d) => exposureFiles(Number(d.slice(4)), runDir).dagmakerPid),
    ];
    for (const pidFile of pidFiles) if (await killLeftover(pidFile)) killed++;
  }
  return killed;
}

function parsePidFile(text: string): { pgid?: number; owner?: number; cwd?: string } {
  try {
    const v = JSON.parse(text) as { pgid?: unknown; owner?: unknown; cwd?: unknown };
    return {
      pgid: Number(v.pgid) || undefined,
      owner: Number(v.owner) || undefined,
      cwd: typeof v.cwd === 'string' ? v.cwd : undefined,
    };
  } catch {
    return {};
  }
}

/** True while a process exists (EPERM: it exists, but is another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The processes of a process group, read from /proc (field 5 of /proc/PID/stat). */
async function groupMembers(pgid: number): Promise<number[]> {
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  const out: number[] = [];
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid) out.push(Number(pid));
  }
  return out;
}

/** The activity is cancelled because its worker shuts down (the SDK's reason `WORKER_SHUTDOWN`), not by the workflow. */
export function isWorkerShutdown(ctx: Context): boolean {
  const reason: unknown = ctx.cancellationSignal.reason;
  return (
    ctx.cancellationDetails?.workerShutdown === true ||
    (reason instanceof Error && reason.message === 'WORKER_SHUTDOWN')
  );
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (benchmarks, scripts)
  }
}
