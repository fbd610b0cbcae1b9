/**
 * The sandbox telescope for tests: the demo's (scripts/demo-telescope.ts: a private PostgreSQL
 * cluster holding SISPI's exposure table, on a free port, in a directory of its own), with its
 * owner connected (who inserts rows, as the mountain does), and a way to stop and start it again on
 * the same port (the database going away for a while).
 */
import { join } from 'node:path';
import type pg from 'pg';
import { startDemoTelescope, telescopeDown, telescopeUp } from '../../scripts/demo-telescope.js';
import { connectOwner } from '../../scripts/telescope-feeder.js';

export { freePort } from '../../scripts/demo-telescope.js';

export interface Telescope {
  dir: string;
  port: number;
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
  const demo = await startDemoTelescope();
  const cluster = join(demo.dir, 'telescope');
  process.env.PGPASSFILE = demo.pgpassFile;
  const t: Telescope = {
    dir: demo.dir,
    port: demo.port,
    readerUrl: demo.readerUrl,
    ownerUrl: demo.ownerUrl,
    pgpassFile: demo.pgpassFile,
    owner: await connectOwner(demo.ownerUrl),
    stop: async () => {
      await t.owner.end().catch(() => undefined);
      await telescopeDown(cluster);
    },
    start: async () => {
      await telescopeUp(cluster, demo.port);
      t.owner = await connectOwner(t.ownerUrl);
    },
    remove: async () => {
      await t.owner.end().catch(() => undefined);
      await demo.remove();
    },
  };
  return t;
}
