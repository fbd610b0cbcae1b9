/**
 * Credentials of the DES database, never from workflow input: from DESGW_DB_* variables of the
 * worker, else from `~/.desservices.ini` read as easyaccess reads it (a section per database, e.g.
 * `[db-dessci]`, with `user`, `passwd`, `server`, `port`, `name`).
 *
 * easyaccess reads the file with Python's configparser, whose defaults we follow: `key = value` or
 * `key: value`, whole-line comments only (a password may hold `;` or `#`), quotes kept, keys
 * case-insensitive, indented lines continuing a value. The npm `ini` package differs on exactly
 * these points (it cuts values at `;` and `#` and strips quotes), so it would misread passwords.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseConfigParser } from '../../common/configparser.js';

export interface DesDbCredentials {
  user: string;
  password: string;
  /** host:port/service, as oracledb's connectString. */
  connectString: string;
  /** Where they came from, for logs (never the values). */
  source: string;
}

export class CredentialsError extends Error {}

const KEYS = ['user', 'passwd', 'server', 'port', 'name'] as const;

/** Reads the `[db-<database>]` section of a desservices.ini text; names the file, section and missing keys. */
export function parseDesServices(text: string, file: string, database = 'dessci'): DesDbCredentials {
  const section = `db-${database}`;
  const parsed = parseConfigParser(text);
  const values = parsed[section];
  if (!values || typeof values !== 'object') {
    const found = Object.keys(parsed).filter((k) => typeof parsed[k] === 'object');
    throw new CredentialsError(
      `${file} has no [${section}] section${found.length ? ` (it has ${found.map((s) => `[${s}]`).join(', ')})` : ''}`,
    );
  }
  const v = values as Record<string, unknown>;
  const missing = KEYS.filter((k) => typeof v[k] !== 'string' || (v[k] as string).trim() === '');
  if (missing.length > 0) throw new CredentialsError(`${file} [${section}] lacks ${missing.join(', ')}`);
  const get = (k: (typeof KEYS)[number]) => String(v[k]).trim();
  if (!/^\d+$/.test(get('port')))
    throw new CredentialsError(`${file} [${section}] port '${get('port')}' is not a number`);
  return {
    user: get('user'),
    password: get('passwd'),
    connectString: `${get('server')}:${get('port')}/${get('name')}`,
    source: `${file} [${section}]`,
  };
}

/** DESGW_DB_USER, DESGW_DB_PASSWORD, DESGW_DB_SERVER, DESGW_DB_PORT, DESGW_DB_NAME when set, else ~/.desservices.ini. */
export async function loadDesDbCredentials(
  env: NodeJS.ProcessEnv = process.env,
  home = homedir(),
): Promise<DesDbCredentials> {
  const fromEnv = ['DESGW_DB_USER', 'DESGW_DB_PASSWORD', 'DESGW_DB_SERVER', 'DESGW_DB_PORT', 'DESGW_DB_NAME'];
  const set = fromEnv.filter((k) => env[k]);
  if (set.length === fromEnv.length) {
    return {
      user: env.DESGW_DB_USER!,
      password: env.DESGW_DB_PASSWORD!,
      connectString: `${env.DESGW_DB_SERVER}:${env.DESGW_DB_PORT}/${env.DESGW_DB_NAME}`,
      source: 'DESGW_DB_* environment variables',
    };
  }
  if (set.length > 0)
    throw new CredentialsError(
      `set all of ${fromEnv.join(', ')} or none (missing ${fromEnv.filter((k) => !env[k]).join(', ')})`,
    );
  const file = env.DESGW_DESSERVICES_INI ?? join(home, '.desservices.ini');
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new CredentialsError(`no DESGW_DB_* variables and ${file} is unreadable (${err.code ?? err.message})`);
  });
  return parseDesServices(text, file);
}
