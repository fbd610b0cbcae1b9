/** Parsing of a run's `.list` file: one exposure number a line, blank lines and `#` comments allowed. */

export interface ParsedExposureList {
  /** Exposure numbers in file order, each once. */
  expnums: number[];
  /** Numbers listed more than once (reported, then dropped). */
  duplicates: { expnum: number; line: number; firstLine: number }[];
}

export class ExposureListError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
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
      // Which line and what kind of problem, never the line itself: the file may not be a list at all.
      problems.push(`line ${line}: ${kindOfProblem(content)}`);
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

/** What every list line problem ends with: what the file should hold. */
const ONE_A_LINE = 'one exposure number per line';

/**
 * What kind of text a line that is not an exposure number holds (letters, a comma, more than one
 * number…), without showing it: the file may not be a list at all, and may hold secrets.
 */
export function kindOfProblem(content: string): string {
  if (/^\d+$/.test(content))
    return content.length > 9
      ? `a number of more than 9 digits (${ONE_A_LINE})`
      : `a number starting with 0 (exposure numbers start at 1; ${ONE_A_LINE})`;
  if (/[\p{Cc}\p{Cf}]/u.test(content)) return `control characters (is this a text file? ${ONE_A_LINE})`;
  if (/^\[.*\]$/.test(content) || /^[\w.-]+\s*[=:]/.test(content))
    return `a configuration line (a [section] or key = value: is this the right file? ${ONE_A_LINE})`;
  if (/\p{L}/u.test(content)) return `a header or words (letters; ${ONE_A_LINE})`;
  if (content.includes(',')) return `a comma (${ONE_A_LINE})`;
  if (/^[\d\s]+$/.test(content)) return `more than one number (${ONE_A_LINE})`;
  if (/^[+-]\d+$/.test(content)) return `a signed number (${ONE_A_LINE})`;
  if (/^\d*\.\d*$/.test(content)) return `a decimal point (${ONE_A_LINE})`;
  return `characters other than digits (${ONE_A_LINE})`;
}
