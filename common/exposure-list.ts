/** Parsing of a run's `.list` file: one exposure number a line, blank lines and `#` comments allowed. */

export interface ParsedExposureList {
  /** Exposure numbers in file order, each once. */
  expnums: number[];
  /** Numbers listed more than once (reported, then dropped). */
  duplicates: { expnum: number; line: number; firstLine: number }[];
}

export class ExposureListError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ExposureListError';
  }
}

const EXPNUM = /^[1-9][0-9]{0,8}$/;

/** Parses the text of a `.list` file; throws ExposureListError naming every bad line. */
export function parseExposureList(text: string, file: string): ParsedExposureList {
  const problems: string[] = [];
  const firstSeen = new Map<number, number>();
  const expnums: number[] = [];
  const duplicates: ParsedExposureList['duplicates'] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/#.*/, '').trim();
    if (content === '') return;
    if (!EXPNUM.test(content)) {
      problems.push(`line ${line}: '${printable(content)}' is not an exposure number`);
      return;
    }
    const expnum = Number(content);
    const first = firstSeen.get(expnum);
    if (first !== undefined) {
      duplicates.push({ expnum, line, firstLine: first });
      return;
    }
    firstSeen.set(expnum, line);
    expnums.push(expnum);
  });
  if (problems.length === 0 && expnums.length === 0) problems.push('the list holds no exposure number');
  if (problems.length > 0) throw new ExposureListError(file, problems);
  return { expnums, duplicates };
}

/** Shows control characters visibly so an error message stays on one line. */
export function printable(s: string, max = 60): string {
  const shown = s.replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}
