/**
 * Why: /pnfs (dCache) can be slow or hang, and the DES machine's worker must not stall with it. Every
 * read of the grid's results (judging's listings, checkGrid's stats) goes through here:
 * - at most DESGW_PNFS_READS at once in the whole worker, whatever the number of post-processings;
 * - in the /pnfs reader process (pnfs-reader-process.ts), never on the worker's own threads, which
 *   its DAGMaker heartbeats and submission records need;
 * - each abandoned after DESGW_PNFS_TIMEOUT_S (waiting for a slot included) and answered
 *   `TIMED_OUT`, for the caller to count as a problem. An abandoned read keeps its slot until dCache
 *   answers it: hung reads never add up beyond the cap.
 * The file system is a dependency (`PnfsFs`): the worker's is the reader process; a test or a bench
 * hands in its own (e.g. one that answers slowly).
 */
import { execaNode } from 'execa';
import type { PnfsReply, PnfsRequest } from './pnfs-reader-process.js';

/** The two reads post-processing makes of /pnfs. */
export interface PnfsFs {
  /** The names in a directory; none when it cannot be read. */
  list(dir: string): Promise<string[]>;
  /** A file's modification time (ms), or null when it is not there. */
  mtime(file: string): Promise<number | null>;
}

export const TIMED_OUT = Symbol('timed out');
export type Timed<T> = T | typeof TIMED_OUT;

export interface PnfsReads {
  list(dir: string): Promise<Timed<string[]>>;
  mtime(file: string): Promise<Timed<number | null>>;
  /** Reads running now (abandoned ones still unanswered included), and how many may. */
  readonly running: number;
  readonly slots: number;
}

export function createPnfsReads({ slots, timeoutS, fs }: { slots: number; timeoutS: number; fs: PnfsFs }): PnfsReads {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    running--;
    queue.shift()?.();
  };
  /** Runs `read` in a slot; answers TIMED_OUT after timeoutS from the request, the slot kept until the read ends. */
  function capped<T>(read: () => Promise<T>): Promise<Timed<T>> {
    return new Promise<Timed<T>>((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        const waiting = queue.indexOf(start);
        if (waiting >= 0) queue.splice(waiting, 1);
        resolve(TIMED_OUT);
      }, timeoutS * 1000);
      function start(): void {
        running++;
        read().then(
          (v) => {
            release();
            if (done) return;
            clearTimeout(timer);
            done = true;
            resolve(v);
          },
          () => {
            // The reader process went away: nothing is known of this path, as after a timeout.
            release();
            if (done) return;
            clearTimeout(timer);
            done = true;
            resolve(TIMED_OUT);
          },
        );
      }
      if (running < slots) start();
      else queue.push(start);
    });
  }
  return {
    list: (dir) => capped(() => fs.list(dir)),
    mtime: (file) => capped(() => fs.mtime(file)),
    get running() {
      return running;
    },
    slots,
  };
}

const SCRIPT = new URL('./pnfs-reader-process.js', import.meta.url).pathname;

/**
 * The worker's /pnfs: the reader process, started on first use and again if it dies (its unanswered
 * reads then fail, and count as timed out). Its pool has `slots` threads (UV_THREADPOOL_SIZE).
 */
export function readerProcessFs(slots: number): PnfsFs {
  const start = () =>
    execaNode(SCRIPT, [], {
      ipc: true,
      serialization: 'json',
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'inherit',
      reject: false,
      cleanup: true,
      nodeOptions: ['--max-old-space-size=32', '--max-semi-space-size=1'],
      env: { UV_THREADPOOL_SIZE: String(slots) },
    });
  let reader: ReturnType<typeof start> | undefined;
  const pending = new Map<number, { ok: (r: PnfsReply) => void; fail: (e: Error) => void }>();
  let nextId = 1;
  const idle = (): void => {
    if (!reader) return;
    if (pending.size === 0) {
      reader.unref();
      reader.channel?.unref();
    } else {
      reader.ref();
      reader.channel?.ref();
    }
  };
  const theReader = () => {
    if (reader && reader.exitCode === null && reader.connected) return reader;
    const p = start();
    p.on('message', (m: PnfsReply) => {
      const w = pending.get(m.id);
      if (!w) return;
      pending.delete(m.id);
      w.ok(m);
      idle();
    });
    p.on('exit', () => {
      if (reader === p) reader = undefined;
      for (const [id, w] of pending) {
        pending.delete(id);
        w.fail(new Error('the /pnfs reader process exited'));
      }
    });
    // Its output, if any, is the worker's; a failed start shows as its exit.
    p.catch(() => undefined);
    reader = p;
    return p;
  };
  const ask = (op: PnfsRequest['op'], path: string): Promise<PnfsReply> =>
    new Promise((ok, fail) => {
      const id = nextId++;
      pending.set(id, { ok, fail });
      const r = theReader();
      idle();
      r.send({ id, op, path } satisfies PnfsRequest, (err) => {
        if (!err || !pending.delete(id)) return;
        fail(err);
        idle();
      });
    });
  return {
    list: async (dir) => {
      const r = await ask('list', dir);
      if ('names' in r) return r.names;
      throw new Error('error' in r ? r.error : 'unexpected reply');
    },
    mtime: async (file) => {
      const r = await ask('mtime', file);
      if ('mtimeMs' in r) return r.mtimeMs;
      throw new Error('error' in r ? r.error : 'unexpected reply');
    },
  };
}
