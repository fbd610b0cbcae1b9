/**
 * The worker's side of the process launcher (see launcher-process.ts): `launch` starts a tool from
 * the launcher's small process rather than from the worker's large one. The launcher is started on
 * first use and again if it dies; a launcher that dies takes down (kills the groups of) the tools
 * it was waiting for, and their activities fail and retry.
 */
import { execaNode } from 'execa';
import type { LaunchEnded, LaunchReply, LaunchRequest } from './launcher-process.js';

export interface Launched {
  /** Also its process group id; undefined when it could not be started. */
  pid?: number;
  /** Settles when the tool ends. */
  exited: Promise<LaunchEnded>;
}

interface Pending {
  started(pid: number): void;
  ended(r: LaunchEnded): void;
  pid?: number;
}

const SCRIPT = new URL('./launcher-process.js', import.meta.url).pathname;
/** Small heaps: 10,000 launches peak at 64 MB RSS with these, 105 MB with Node's defaults (same speed). */
const LAUNCHER_NODE_OPTIONS = ['--max-old-space-size=32', '--max-semi-space-size=1'];
const startLauncher = () =>
  execaNode(SCRIPT, [], {
    ipc: true,
    serialization: 'json',
    stdin: 'ignore',
    stdout: 'inherit',
    stderr: 'inherit',
    reject: false,
    cleanup: true,
    nodeOptions: LAUNCHER_NODE_OPTIONS,
  });
let launcher: ReturnType<typeof startLauncher> | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

function theLauncher(): ReturnType<typeof startLauncher> {
  if (launcher && launcher.exitCode === null && launcher.connected) return launcher;
  const p = startLauncher();
  p.on('message', (m: LaunchReply) => {
    const w = pending.get(m.id);
    if (!w) return;
    if ('pid' in m) {
      w.pid = m.pid;
      w.started(m.pid);
    } else {
      pending.delete(m.id);
      w.ended(m);
      idle();
    }
  });
  p.on('exit', () => {
    if (launcher === p) launcher = undefined;
    for (const [id, w] of pending) {
      pending.delete(id);
      if (w.pid !== undefined) signalGroup(w.pid, 'SIGKILL');
      w.ended({ error: 'the process launcher exited' });
    }
  });
  launcher = p;
  return p;
}

/** The launcher holds the worker's event loop open only while it runs something for it. */
function idle(): void {
  if (!launcher) return;
  if (pending.size === 0) {
    launcher.unref();
    launcher.channel?.unref();
  } else {
    launcher.ref();
    launcher.channel?.ref();
  }
}

export function launch(req: Omit<LaunchRequest, 'id'>): Promise<Launched> {
  const id = nextId++;
  let ended!: (r: LaunchEnded) => void;
  const exited = new Promise<LaunchEnded>((r) => (ended = r));
  return new Promise<Launched>((resolve) => {
    pending.set(id, {
      started: (pid) => resolve({ pid, exited }),
      // Resolving again is a no-op once started; otherwise it never started.
      ended: (r) => {
        ended(r);
        resolve({ exited });
      },
    });
    const l = theLauncher();
    idle();
    l.send({ ...req, id } satisfies LaunchRequest, (err) => {
      if (!err || !pending.delete(id)) return;
      ended({ error: `the process launcher did not take the request: ${err.message}` });
      resolve({ exited });
      idle();
    });
  });
}

/** The launcher's pid while it runs (tests kill it). */
export function launcherPid(): number | undefined {
  return launcher?.pid;
}

/** Signals a process group; one already gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}
