/**
 * The production season source: the seasons the DES database already holds, as the legacy check
 * took them (the union of distinct seasons over the MARCELLE tables), with oracledb in thin mode
 * (no Instant Client). One query, a connect timeout, the connection closed in `finally`.
 */
import { ApplicationFailure } from '@temporalio/activity';
import oracledb from 'oracledb';
import { loadDesDbCredentials, type DesDbCredentials } from './des-credentials.js';
import type { SeasonSource } from './season-source.js';
import { Failure } from '../../common/failures.js';

export const SEASON_TABLES = [
  'SNAUTOSCAN',
  'SNAUTOSCAN_SAVE',
  'SNCAND',
  'SNFAKEIMG',
  'SNFAKEMATCH',
  'SNFORCE',
  'SNOBS',
  'SNOBSINFO',
  'SNOBS_SAVE',
  'SNSCAN',
] as const;

/** The query: no input reaches it (nothing to bind), the schema and tables are fixed. */
export const SEASONS_SQL = SEASON_TABLES.map((t) => `SELECT DISTINCT season FROM marcelle.${t.toLowerCase()}`).join(
  '\nUNION\n',
);

/** What the source needs of a connection (oracledb's Connection has it). */
export interface SeasonQueryConnection {
  execute<T>(sql: string, binds: unknown[], options: { outFormat: number }): Promise<{ rows?: T[] }>;
  close(): Promise<void>;
}

export type Connect = (c: DesDbCredentials & { connectTimeout: number }) => Promise<SeasonQueryConnection>;

const thinConnect: Connect = ({ user, password, connectString, connectTimeout }) =>
  oracledb.getConnection({
    user,
    password,
    connectString,
    connectTimeout,
  }) as unknown as Promise<SeasonQueryConnection>;

export class OracleSeasonSource implements SeasonSource {
  constructor(
    private readonly credentials: () => Promise<DesDbCredentials> = () => loadDesDbCredentials(),
    private readonly connect: Connect = thinConnect,
    private readonly connectTimeoutS = 20,
  ) {}

  readonly describe = 'the DES database (dessci, oracledb thin mode)';

  async usedSeasons(): Promise<number[]> {
    const creds = await this.credentials().catch((err: Error) => {
      throw ApplicationFailure.create({
        type: Failure.DatabaseConfiguration,
        nonRetryable: true,
        message: `DES database credentials: ${err.message}`,
      });
    });
    let connection: SeasonQueryConnection | undefined;
    try {
      connection = await this.connect({ ...creds, connectTimeout: this.connectTimeoutS });
      const result = await connection.execute<{ SEASON: number | string | null }>(SEASONS_SQL, [], {
        outFormat: oracledb.OUT_FORMAT_OBJECT,
      });
      return seasonsFromRows(result.rows ?? []);
    } catch (err) {
      throw classifyOracleError(err);
    } finally {
      await connection?.close().catch(() => undefined);
    }
  }
}

/** Distinct integer seasons from the result rows (NULLs and non-integers are skipped), ascending. */
export function seasonsFromRows(rows: { SEASON: number | string | null }[]): number[] {
  const out = new Set<number>();
  for (const r of rows) {
    const n = Number(r.SEASON);
    if (r.SEASON !== null && Number.isInteger(n)) out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * Network trouble and timeouts are retried (a plain error); bad credentials and missing tables fail
 * at once with what to fix. The password never appears: oracledb does not put it in messages.
 */
export function classifyOracleError(err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/ORA-01017/.test(message)) {
    return ApplicationFailure.create({
      type: Failure.DatabaseCredentials,
      nonRetryable: true,
      message: `the DES database refused the credentials (ORA-01017): check DESGW_DB_USER/DESGW_DB_PASSWORD or ~/.desservices.ini [db-dessci]`,
    });
  }
  if (/ORA-00942/.test(message)) {
    return ApplicationFailure.create({
      type: Failure.DatabaseSchema,
      nonRetryable: true,
      message: `a MARCELLE season table is missing or not readable by this account (ORA-00942): ${message.split('\n')[0]}`,
    });
  }
  return ApplicationFailure.create({
    type: Failure.DatabaseUnavailable,
    message: `the DES database could not be read (retrying): ${message.split('\n')[0]}`,
  });
}
