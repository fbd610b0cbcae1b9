/**
 * The password of a PostgreSQL connection from a password file, as libpq finds it: `PGPASSFILE`,
 * else `~/.pgpass`; lines `hostname:port:database:username:password`, `*` matching anything,
 * `\:` and `\\` escaped, `#` comments; the first matching line wins; a file that group or others
 * may read is ignored (libpq warns and ignores it too). node-postgres's own reader is deprecated,
 * so the worker reads the file itself and hands the password to the driver; it never logs it.
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PgPassKey {
  host: string;
  port: number;
  database: string;
  user: string;
}

/** The password file libpq would read. */
export function pgpassFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.PGPASSFILE && env.PGPASSFILE !== '' ? env.PGPASSFILE : join(homedir(), '.pgpass');
}

/** The password for `key` from the password file, or undefined (no file, not private, no line). */
export async function pgpassPassword(key: PgPassKey, file = pgpassFile()): Promise<string | undefined> {
  const s = await stat(file).catch(() => null);
  if (s === null || !s.isFile() || (s.mode & 0o077) !== 0) return undefined;
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? undefined : passwordIn(text, key);
}

/** The first line of `text` that matches `key`, its password. */
export function passwordIn(text: string, key: PgPassKey): string | undefined {
  const wanted = [key.host, String(key.port), key.database, key.user];
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const fields = splitFields(line);
    if (fields.length < 5) continue;
    const host = fields[0] === 'localhost' && key.host.startsWith('/') ? key.host : fields[0];
    const matches = [host, ...fields.slice(1, 4)].every((f, i) => f === '*' || f === wanted[i]);
    if (matches) return fields.slice(4).join(':');
  }
  return undefined;
}

/** A line's `:`-separated fields, `\:` and `\\` unescaped. */
function splitFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) cur += line[++i];
    else if (c === ':' && out.length < 4) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
