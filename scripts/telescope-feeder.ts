/**
 * The sandbox telescope's night: inserts exposures into `exposure.exposure` at the telescope's
 * cadence, as SISPI's database copy shows them, and writes each raw image (a small FITS
 * placeholder) into the DTS directory after a lag, as the transfer to Fermilab does. Used by hand
 * (below), by the demo and by tests (which import the helpers). Connects with the owner's
 * credentials (scripts/telescope.sh prints TELESCOPE_OWNER_URL; the password from PGPASSFILE).
 *
 *   node dist/scripts/telescope-feeder.js --dts-root DIR --propid 2024A-0001 [--db-url URL]
 *     [--start now|ISO] [--cadence 120] [--raw-lag 60] [--count 10] [--first-expnum 1300001]
 *     [--ra 150 --dec -30] [--program 'des gw']
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { nightOf } from '../common/exposure-admission.js';
import { clientConfig } from '../activities/support/exposure-db.js';
import { rawImageName } from '../activities/wait-for-raw-images.js';

/** A row of SISPI's table, as the feeder inserts it. */
export interface TelescopeExposure {
  id: number;
  date: Date;
  ra: number | null;
  declination: number | null;
  filter: string;
  exptime: number;
  propid: string;
  flavor: string;
  program: string;
  object: string;
  qc_teff: number | null;
  discard: boolean | null;
  delivered: boolean | null;
}

export interface FeedOptions {
  dtsRoot: string;
  propid: string;
  start: Date;
  /** Seconds between shutter openings. */
  cadenceS: number;
  /** Seconds from a row's insertion to its raw image's arrival. */
  rawLagS: number;
  count: number;
  firstExpnum: number;
  pointing?: { ra: number; dec: number };
  program?: string;
}

const BANDS = ['i', 'z', 'r'];

/** The night's exposures: bands i, z, r in turn, 90 s, pointings on a small grid near the pointing. */
export function planNight(o: FeedOptions): TelescopeExposure[] {
  const { ra, dec } = o.pointing ?? { ra: 150, dec: -30 };
  return Array.from({ length: o.count }, (_, k) => ({
    id: o.firstExpnum + k,
    date: new Date(o.start.getTime() + k * o.cadenceS * 1000),
    ra: Number((ra + 1.1 * (k % 5)).toFixed(6)),
    declination: Number((dec - 0.95 * Math.floor(k / 5)).toFixed(6)),
    filter: BANDS[k % BANDS.length]!,
    exptime: 90,
    propid: o.propid,
    flavor: 'object',
    program: o.program ?? 'des gw',
    object: `DESGW: sandbox event: ${k + 1} of ${o.count}`,
    qc_teff: null,
    discard: false,
    delivered: true,
  }));
}

/** Inserts one row (parameterised); an exposure number already there is left as it is. */
export async function insertExposure(client: pg.Client, e: TelescopeExposure): Promise<void> {
  await client.query(
    `INSERT INTO exposure.exposure (id, date, ra, declination, filter, exptime, propid, flavor, program, object, qc_teff, discard, delivered)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING`,
    [
      e.id,
      e.date.toISOString(),
      e.ra,
      e.declination,
      e.filter,
      e.exptime,
      e.propid,
      e.flavor,
      e.program,
      e.object,
      e.qc_teff,
      e.discard,
      e.delivered,
    ],
  );
}

/** A connection with the owner's credentials (the URL's, else PGPASSWORD or the password file). */
export async function connectOwner(url: string): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(url));
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** Writes the raw image placeholder `<dtsRoot>/<NITE>/DECam_<8 digits>.fits.fz` whole (temp + rename); returns its path. */
export async function writeRawImage(dtsRoot: string, expnum: number, nite: string): Promise<string> {
  const dir = join(dtsRoot, nite);
  await mkdir(dir, { recursive: true });
  const path = join(dir, rawImageName(expnum));
  const cards = [
    'SIMPLE  =                    T',
    'BITPIX  =                    8',
    'NAXIS   =                    0',
    `EXPNUM  = ${String(expnum).padStart(20)}`,
    "ORIGIN  = 'DESGW sandbox telescope'",
    'END',
  ];
  const header = cards
    .map((c) => c.padEnd(80))
    .join('')
    .padEnd(2880);
  await writeFile(`${path}.tmp`, header);
  await rename(`${path}.tmp`, path);
  return path;
}

/**
 * Feeds the night: each row inserted when its shutter opens (at once if that is past), its raw
 * image written rawLagS later. Stops at `signal`. `log` hears one line per event.
 */
export async function feed(
  client: pg.Client,
  o: FeedOptions,
  { signal, log = () => undefined }: { signal?: AbortSignal; log?: (line: string) => void } = {},
): Promise<void> {
  const events = planNight(o).flatMap((e) => [
    { at: e.date.getTime(), what: 'row' as const, e },
    { at: e.date.getTime() + o.rawLagS * 1000, what: 'raw' as const, e },
  ]);
  events.sort((a, b) => a.at - b.at || (a.what === 'row' ? -1 : 1));
  for (const ev of events) {
    const wait = ev.at - Date.now();
    if (wait > 0) await sleep(wait, signal);
    if (signal?.aborted) return;
    if (ev.what === 'row') {
      await insertExposure(client, ev.e);
      log(`${new Date().toISOString()} row ${ev.e.id} ${ev.e.filter} (shutter ${ev.e.date.toISOString()})`);
    } else {
      const path = await writeRawImage(o.dtsRoot, ev.e.id, nightOf(ev.e.date.toISOString()));
      log(`${new Date().toISOString()} raw ${path}`);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'db-url': { type: 'string' },
      'dts-root': { type: 'string' },
      propid: { type: 'string' },
      start: { type: 'string', default: 'now' },
      cadence: { type: 'string', default: '120' },
      'raw-lag': { type: 'string', default: '60' },
      count: { type: 'string', default: '10' },
      'first-expnum': { type: 'string', default: '1300001' },
      ra: { type: 'string', default: '150' },
      dec: { type: 'string', default: '-30' },
      program: { type: 'string', default: 'des gw' },
    },
  });
  const url = values['db-url'] ?? process.env.TELESCOPE_OWNER_URL;
  const need = (v: string | undefined, name: string): string => {
    if (!v) throw new Error(`--${name} is required`);
    return v;
  };
  const num = (v: string, name: string, min: number): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number of at least ${min}, not '${v}'`);
    return n;
  };
  const start = values.start === 'now' ? new Date() : new Date(values.start);
  if (Number.isNaN(start.getTime())) throw new Error(`--start must be 'now' or an ISO time, not '${values.start}'`);
  const o: FeedOptions = {
    dtsRoot: need(values['dts-root'], 'dts-root'),
    propid: need(values.propid, 'propid'),
    start,
    cadenceS: num(values.cadence, 'cadence', 0),
    rawLagS: num(values['raw-lag'], 'raw-lag', 0),
    count: num(values.count, 'count', 1),
    firstExpnum: num(values['first-expnum'], 'first-expnum', 1),
    pointing: { ra: num(values.ra, 'ra', -360), dec: num(values.dec, 'dec', -90) },
    program: values.program,
  };
  const client = await connectOwner(need(url, 'db-url (or TELESCOPE_OWNER_URL)'));
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  try {
    await feed(client, o, { signal: stop.signal, log: (l) => console.log(l) });
  } finally {
    await client.end().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: Error) => {
    console.error(`telescope-feeder: ${err.message}`);
    process.exit(1);
  });
}
