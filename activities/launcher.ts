/**
 * The worker's side of the process launcher (see launcher-process.ts): `launch` starts a tool from
 * the launcher's small process rather than from the worker's large one. The launcher is started on
 * first use and again if it dies; a launcher that dies takes down (kills the groups of) the tools
 * it was waiting for, and their activities fail and retry.
 */
import { execaNode } from 'execa';
import type { LaunchReply, LaunchRequest } from './launcher-process.js';

export interface Launched {
  /** Also its process group id; undefined when it could not be started. */
  pid?: number;
  /** Settles when the tool ends; `error` when it could not be started or waited for. */
  exited: Promise<{ exitCode?: number; signal?: string; error?: string }>;
}

interface Pending {
  started(pid: number): void;
  ended(r: { exitCode?: number; signal?: string; error?: string }): void;
  pid?: number;
}

const SCRIPT = new URL('./launcher-process.js', import.meta.url).pathname;
const startLauncher = () =>
  execaNode(SCRIPT, [], { ipc: true, serialization: 'json', stdin: 'ignore', stdout: 'inherit', stderr: 'inherit', reject: false, cleanup: true, nodeOptions: ['--max-old-space-size=32'] });
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
      if (w.pid !== undefined) killGroup(w.pid);
      w.ended({ error: 'the process launcher exited' });
    }
  });
  launcher = p;
  idle();
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
  return new Promise<Launched>((resolve) => {
    let endedEarly: ((r: { error?: string }) => void) | undefined;
    const exited = new Promise<{ exitCode?: number; signal?: string; error?: string }>((ended) => {
      pending.set(id, {
        started: (pid) => resolve({ pid, exited }),
        ended: (r) => {
          ended(r);
          endedEarly?.(r);
        },
      });
    });
    // Never started: no process, the end already known.
    endedEarly = () => resolve({ exited });
    const l = theLauncher();
    idle();
    l.send({ ...req, id } satisfies LaunchRequest);
  });
}

/** The launcher's pid while it runs (tests kill it). */
export function launcherPid(): number | undefined {
  return launcher?.pid;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}
