/**
 * The event demo's telescope: the sandbox telescope (scripts/telescope.sh, SISPI's exposure table
 * on a private PostgreSQL) in a fresh directory of its own on a free port, so that each demo run
 * starts from an empty table; stopped and removed at the end unless kept. Its passwords stay in
 * its pgpass file: only the URLs (without passwords) and that file's path are handed on.
 */
import { execa } from 'execa';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../workers/config.js';

const telescopeSh = join(REPO_ROOT, 'scripts', 'telescope.sh');

export interface DemoTelescope {
  dir: string;
  port: number;
  /** DESGW_EXPOSURE_DB_URL: the read-only reader. */
  readerUrl: string;
  /** The owner, who inserts rows as the mountain does. */
  ownerUrl: string;
  /** PGPASSFILE: the passwords of both roles. */
  pgpassFile: string;
  /** Stops the cluster and removes its directory. */
  remove(): Promise<void>;
}

/** A port nobody listens on now (127.0.0.1), from 20000–31999. */
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

/**
 * Starts (or starts again) the sandbox telescope's cluster in `cluster` on `port`, and returns the
 * settings scripts/telescope.sh prints: the reader's and the owner's URLs, and the pgpass file.
 */
export async function telescopeUp(
  cluster: string,
  port: number,
): Promise<{ readerUrl: string; ownerUrl: string; pgpassFile: string }> {
  const r = await execa(telescopeSh, ['start', cluster, String(port)]);
  const vars = Object.fromEntries(
    r.stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  const need = (name: string): string => {
    const v = vars[name];
    if (!v) throw new Error(`scripts/telescope.sh start printed no ${name}`);
    return v;
  };
  return {
    readerUrl: need('DESGW_EXPOSURE_DB_URL'),
    ownerUrl: need('TELESCOPE_OWNER_URL'),
    pgpassFile: need('PGPASSFILE'),
  };
}

/** Stops the cluster in `cluster` (its directory stays). */
export async function telescopeDown(cluster: string): Promise<void> {
  await execa(telescopeSh, ['stop', cluster]);
}

/** Starts the sandbox telescope in a new directory under the system's temporary directory. */
export async function startDemoTelescope(): Promise<DemoTelescope> {
  const dir = await mkdtemp(join(tmpdir(), 'desgw-demo-telescope-'));
  await chmod(dir, 0o755); // the postgres user enters it to reach its cluster
  const port = await freePort();
  const cluster = join(dir, 'telescope');
  const up = await telescopeUp(cluster, port);
  return {
    dir,
    port,
    ...up,
    remove: async () => {
      await telescopeDown(cluster).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
