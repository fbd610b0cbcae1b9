/**
 * The sandbox telescope for tests: a private PostgreSQL cluster (scripts/telescope.sh, Debian's
 * package) holding SISPI's exposure table, the URLs of its read-only reader and of its owner (who
 * inserts rows, as the mountain does), on a free port, in a directory of the test's own.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type pg from 'pg';
import { connectOwner } from '../../scripts/telescope-feeder.js';
import { REPO_ROOT } from '../../workers/config.js';

const telescopeSh = join(REPO_ROOT, 'scripts', 'telescope.sh');

export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export interface Telescope {
  dir: string;
  /** DESGW_EXPOSURE_DB_URL: the read-only reader, its password in PGPASSFILE (set in this process). */
  readerUrl: string;
  ownerUrl: string;
  owner: pg.Client;
  pgpassFile: string;
  /** Stops the cluster (the database goes away: an outage), and starts it again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  remove(): Promise<void>;
}

export async function startTelescope(): Promise<Telescope> {
  const dir = await mkdtemp(join(tmpdir(), 'desgw-telescope-'));
  await chmod(dir, 0o755); // the postgres user enters it to reach its cluster
  const port = await freePort();
  const cluster = join(dir, 'telescope');
  const up = async () => {
    const r = await execa(telescopeSh, ['start', cluster, String(port)]);
    return Object.fromEntries(r.stdout.split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  };
  const vars = await up();
  process.env.PGPASSFILE = vars.PGPASSFILE;
  const t: Telescope = {
    dir,
    readerUrl: vars.DESGW_EXPOSURE_DB_URL!,
    ownerUrl: vars.TELESCOPE_OWNER_URL!,
    pgpassFile: vars.PGPASSFILE!,
    owner: await connectOwner(vars.TELESCOPE_OWNER_URL!),
    stop: async () => {
      await t.owner.end().catch(() => undefined);
      await execa(telescopeSh, ['stop', cluster]);
    },
    start: async () => {
      await up();
      t.owner = await connectOwner(t.ownerUrl);
    },
    remove: async () => {
      await t.stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return t;
}
