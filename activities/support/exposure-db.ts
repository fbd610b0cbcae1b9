/**
 * The read-only copy of SISPI's database (`decam_prd`, table `exposure.exposure`), through
 * node-postgres: the connection from DESGW_EXPOSURE_DB_URL (its password, else PGPASSWORD, else
 * the password file), the two queries campaigns make, every one parameterised, and what a failure
 * means for the run: the database away (DatabaseUnavailable: the campaign waits), credentials or
 * grants refused (DatabaseCredentials), the table or a column missing (DatabaseSchema), the setting
 * absent or wrong (DatabaseConfiguration). A message names the database as `user@host:port/db`,
 * never with a password.
 */
import { ApplicationFailure } from '@temporalio/activity';
import pg from 'pg';
import type { ExposureRow } from '../../common/exposure-admission.js';
import { mjdOf } from '../../common/exposure-admission.js';
import { Failure } from '../../common/failures.js';
import { pgpassPassword } from './pgpass.js';

/** How long a connection may take before the database counts as unreachable. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long one query may take (a hung replica counts as unavailable). */
const QUERY_TIMEOUT_MS = 15_000;

/** The columns read, with the shutter time and NITE rendered in UTC by the server (the session's time zone is UTC). */
const COLUMNS = `id, to_char(date, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS date_utc,
  to_char(date - interval '12 hours', 'YYYYMMDD') AS nite, ra, declination, filter, exptime, propid,
  flavor, program, object, qc_teff, discard, delivered`;

/**
 * New rows of a campaign after a cursor: getExposureInfo.py's rules (object, longer than 29.999 s,
 * pointed; exptime is a `real`, compared as the number it prints as, the value campaigns see, so
 * that a 29.999 stored as 29.9990005 is refused here as by admissionOf), not discarded (`discard` may be NULL: not discarded), the campaign's propid, a shutter
 * opened after the trigger. $1 cursor, $2 propid, $3 trigger time (ISO, UTC), $4 at most this many.
 */
export const NEW_ROWS_SQL = `SELECT ${COLUMNS} FROM exposure.exposure
  WHERE id > $1 AND propid = $2 AND flavor = 'object' AND exptime::numeric > 29.999 AND ra IS NOT NULL
    AND discard IS NOT TRUE AND date > $3::timestamptz
  ORDER BY id LIMIT $4`;

/** Rows by exposure number, whatever they hold ($1: an integer array). */
export const ROWS_BY_ID_SQL = `SELECT ${COLUMNS} FROM exposure.exposure WHERE id = ANY($1::integer[]) ORDER BY id`;

/** A row as the queries above return it. */
export interface DbRow {
  id: number;
  date_utc: string | null;
  nite: string | null;
  ra: number | null;
  declination: number | null;
  filter: string | null;
  exptime: number | null;
  propid: string | null;
  flavor: string | null;
  program: string | null;
  object: string | null;
  qc_teff: number | null;
  discard: boolean | null;
  delivered: boolean | null;
}

/** The campaign's view of a row. The band is the first word of `filter`. */
export function exposureRowOf(r: DbRow): ExposureRow {
  const date = r.date_utc ?? '1970-01-01T00:00:00.000000Z';
  return {
    expnum: Number(r.id),
    date,
    nite: r.nite ?? '',
    mjd: mjdOf(date),
    ra: r.ra,
    dec: r.declination,
    band: (r.filter ?? '').trim().split(/\s+/)[0] ?? '',
    exptime: r.exptime ?? 0,
    propid: r.propid ?? '',
    flavor: r.flavor ?? '',
    program: r.program ?? '',
    object: r.object ?? '',
    teff: r.qc_teff,
    discard: r.discard === true,
    delivered: r.delivered,
  };
}

/** Where the database is, for messages: `user@host:port/database`, no password. */
export function describeDb(url: string): string {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username) || process.env.PGUSER || '';
    return `${user ? `${user}@` : ''}${u.hostname}:${u.port || process.env.PGPORT || '5432'}${u.pathname}`;
  } catch {
    return 'DESGW_EXPOSURE_DB_URL';
  }
}

/** The URL of the setting, or the non-retryable refusal naming it. */
export function requireDbUrl(url: string | null): string {
  if (url) return url;
  throw ApplicationFailure.create({
    type: Failure.DatabaseConfiguration,
    nonRetryable: true,
    message:
      "DESGW_EXPOSURE_DB_URL is not set in the worker's settings: set it to the read-only copy of SISPI's database (postgresql://decam_reader@HOST:PORT/decam_prd) to watch the exposure table",
  });
}

/** The driver's settings from the URL: its parts, else libpq's PG* variables; the password as above. */
export function clientConfig(url: string, env: NodeJS.ProcessEnv = process.env): pg.ClientConfig {
  const u = new URL(url);
  const host = decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || env.PGHOST || 'localhost';
  const port = Number(u.port || env.PGPORT || 5432);
  const database = decodeURIComponent(u.pathname.slice(1)) || env.PGDATABASE || '';
  const user = decodeURIComponent(u.username) || env.PGUSER || '';
  const fromUrl = u.password !== '' ? decodeURIComponent(u.password) : undefined;
  const sslmode = u.searchParams.get('sslmode') ?? env.PGSSLMODE ?? 'disable';
  const ssl =
    sslmode === 'verify-full' || sslmode === 'verify-ca'
      ? { rejectUnauthorized: true }
      : sslmode === 'require'
        ? { rejectUnauthorized: false }
        : false;
  return {
    host,
    port,
    database,
    user,
    // Asked for only when the server wants one.
    password: async () =>
      fromUrl ?? (env.PGPASSWORD || undefined) ?? (await pgpassPassword({ host, port, database, user })) ?? '',
    ssl,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    application_name: 'desgw-exposure-watcher',
  };
}

/** An open connection to the exposure database, its session in UTC; errors already classified. */
export class ExposureDb {
  private constructor(
    private readonly client: pg.Client,
    private readonly where: string,
  ) {}

  static async open(url: string): Promise<ExposureDb> {
    const where = describeDb(url);
    const client = new pg.Client(clientConfig(url));
    // A connection the server drops while idle is reported here; the next query fails and says why.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'");
    } catch (err) {
      await client.end().catch(() => undefined);
      throw classifyPgError(err, where);
    }
    return new ExposureDb(client, where);
  }

  async query(sql: string, params: unknown[]): Promise<ExposureRow[]> {
    try {
      const r = await this.client.query<DbRow>(sql, params);
      return r.rows.map(exposureRowOf);
    } catch (err) {
      throw classifyPgError(err, this.where);
    }
  }

  close(): Promise<void> {
    return this.client.end().catch(() => undefined);
  }
}

/** SQLSTATE codes by what they mean for a campaign; anything else (sockets, timeouts, a server shutting down) is an outage. */
const CREDENTIALS = new Set(['28P01', '28000', '42501']);
const SCHEMA = new Set(['42P01', '42703', '3F000', '42883']);
const CONFIGURATION = new Set(['3D000']);

/** What a node-postgres failure means for the run; the message names the database without its password. */
export function classifyPgError(err: unknown, where: string): ApplicationFailure {
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = (typeof e.message === 'string' ? e.message : String(err)).split('\n')[0]!;
  const said = `${message}${code && !message.includes(code) ? ` (${code})` : ''}`;
  if (CREDENTIALS.has(code) || /password|SASL|SCRAM|authentication/i.test(message))
    return ApplicationFailure.create({
      type: Failure.DatabaseCredentials,
      nonRetryable: true,
      message: `the exposure database ${where} refused this worker: ${said}; check the user in DESGW_EXPOSURE_DB_URL and its password (PGPASSWORD, PGPASSFILE or ~/.pgpass, mode 600) and its SELECT grant on exposure.exposure`,
    });
  if (SCHEMA.has(code))
    return ApplicationFailure.create({
      type: Failure.DatabaseSchema,
      nonRetryable: true,
      message: `the exposure database ${where} has no exposure.exposure as SISPI's (id, date, ra, declination, filter, exptime, propid, flavor, program, object, qc_teff, discard, delivered): ${said}`,
    });
  if (CONFIGURATION.has(code))
    return ApplicationFailure.create({
      type: Failure.DatabaseConfiguration,
      nonRetryable: true,
      message: `DESGW_EXPOSURE_DB_URL names a database that does not exist (${where}): ${said}`,
    });
  return ApplicationFailure.create({
    type: Failure.DatabaseUnavailable,
    message: `the exposure database ${where} could not be read (the campaign waits for it): ${said}`,
  });
}
