/**
 * The /pnfs reader: a small Node process the worker starts once, which lists directories and stats
 * files of dCache for it. A dCache read that hangs holds a thread of libuv's pool until the mount
 * answers, and the worker's pool (4 threads) is also where its own file work runs: the submission
 * records, the run's files, DAGMaker's output. Here a hung read holds one of this process's threads,
 * never the worker's. Its pool has as many threads as the worker lets reads run at once
 * (DESGW_PNFS_READS, passed as UV_THREADPOOL_SIZE), so the cap is the only queue.
 *
 * Messages (IPC): in `{ id, op: 'list' | 'mtime', path }`; out `{ id, names }` (a directory that
 * cannot be read lists nothing), `{ id, mtimeMs }` (null when the file is not there) or `{ id, error }`.
 * It exits when the worker goes away.
 */
import { readdir, stat } from 'node:fs/promises';

export interface PnfsRequest {
  id: number;
  op: 'list' | 'mtime';
  path: string;
}

export type PnfsReply = { id: number } & ({ names: string[] } | { mtimeMs: number | null } | { error: string });

const reply = (m: PnfsReply): void => void process.send?.(m);

process.on('message', (m: PnfsRequest) => {
  const answer: Promise<PnfsReply> =
    m.op === 'list'
      ? readdir(m.path).then(
          (names) => ({ id: m.id, names }),
          () => ({ id: m.id, names: [] }),
        )
      : stat(m.path).then(
          (s) => ({ id: m.id, mtimeMs: s.mtimeMs }),
          () => ({ id: m.id, mtimeMs: null }),
        );
  answer.then(reply, (err: Error) => reply({ id: m.id, error: err.message }));
});
process.on('disconnect', () => process.exit(0));
