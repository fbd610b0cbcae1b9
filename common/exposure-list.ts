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

/** What is wrong with a line that is not an exposure number, without showing it. */
function kindOfProblem(content: string): string {
  if (/^\d+$/.test(content))
    return `not an exposure number (${content.length > 9 ? 'more than 9 digits' : 'starts with 0'})`;
  if (/^[\d\s]+$/.test(content)) return 'not an exposure number (more than one number on the line)';
  if (/^\[.*\]$/.test(content) || /^[\w.-]+\s*[=:]/.test(content))
    return 'not an exposure number (it looks like a configuration file: is this the right file?)';
  return `not an exposure number (${content.length} characters, not all digits)`;
}
