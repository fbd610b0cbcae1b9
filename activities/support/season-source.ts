/**
 * Where the seasons already used come from. Production reads the DES database (the union of
 * `SELECT DISTINCT season` over the MARCELLE tables); the default, local side reads a plain file
 * of season numbers, one a line, standing in for that database.
 */
import { readFile } from 'node:fs/promises';

export interface SeasonSource {
  /** A short name for logs: where the seasons come from. */
  readonly describe: string;
  usedSeasons(): Promise<number[]>;
}

export class LocalSeasonSource implements SeasonSource {
  constructor(private readonly file: string) {}

  get describe(): string {
    return `local file ${this.file}`;
  }

  async usedSeasons(): Promise<number[]> {
    const text = await readFile(this.file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    return parseSeasonsFile(text, this.file);
  }
}

export function parseSeasonsFile(text: string, file: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    if (!/^\d+$/.test(line)) throw new Error(`${file} line ${i + 1}: '${line}' is not a season number`);
    out.push(Number(line));
  });
  return out;
}
