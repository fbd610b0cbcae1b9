/**
 * INI text as Python's configparser reads it with its default settings (`ConfigParser()`), and
 * surgical updates of such text that keep every section, key, comment and blank line in place.
 *
 * Two DES tools read INI files with configparser: easyaccess (`~/.desservices.ini`) and
 * Post-Processing's run_postproc.py (`postproc_<SEASON>.ini`). configparser's defaults differ from
 * most INI libraries (the npm `ini` package cuts values at `;` and `#` and strips quotes), so this
 * module follows `RawConfigParser._read` of CPython 3.11 line by line:
 * - lines split on `\n`, `\r\n` or `\r` (universal newlines), numbered from 1;
 * - a line whose stripped text starts with `#` or `;` is a comment; there are no inline comments:
 *   `bands = i ; # note` has the value `i ; # note`;
 * - `[name]` at the start of a stripped line opens a section (`name` kept as written; `DEFAULT`
 *   holds defaults for every section); `key = value` or `key: value` (the first `=` or `:`) sets
 *   an option; keys are lower-cased; values are stripped;
 * - a line indented deeper than its option's line continues the value; blank lines inside a value
 *   are kept, trailing ones dropped; comment lines neither end nor join a value;
 * - strict mode: a repeated section or a repeated key in a section is an error, as is an option
 *   before any section or a line that is neither comment, section nor `key = value`.
 * Interpolation (`%(name)s`, `%%`) is not applied: values are returned raw, and the writer refuses
 * any `%` so that what is written reads back unchanged.
 *
 * Errors name the line number and the kind of problem, never the file's content (easyaccess's file
 * holds a password). Pure: no Node built-ins, usable in workflow code.
 */

/** What configparser (or this module's writer) objects to. */
export type IniProblemKind =
  'missing-section-header' | 'duplicate-section' | 'duplicate-option' | 'no-delimiter' | 'empty-option-name';

const PROBLEM_TEXT: Record<IniProblemKind, string> = {
  'missing-section-header': 'an option before any [section] (configparser: MissingSectionHeaderError)',
  'duplicate-section': 'a section opened a second time (configparser: DuplicateSectionError)',
  'duplicate-option': 'an option set twice in its section (configparser: DuplicateOptionError)',
  'no-delimiter': 'neither a comment, a [section] nor key = value (configparser: ParsingError)',
  'empty-option-name': 'an option without a name (configparser: ParsingError)',
};

export interface IniProblem {
  line: number;
  kind: IniProblemKind;
}

export class ConfigParserError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly kind?: IniProblemKind,
  ) {
    super(message);
    this.name = 'ConfigParserError';
  }
}

/** An INI text as configparser reads it: sections in file order, each with its options in order. */
export interface IniDocument {
  /** The sections other than DEFAULT, in file order; keys lower-cased, values raw (not interpolated). */
  sections: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** The options of `[DEFAULT]`, seen by every section. */
  defaults: ReadonlyMap<string, string>;
}

// --- Python's notion of whitespace (str.isspace, and `\s` in str patterns) --------------------
const WS = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const STRIP = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');
const RSTRIP = new RegExp(`[${WS}]+$`);
const NON_SPACE = new RegExp(`[^${WS}]`);
const SECTION_RE = /^\[(.+)\]/s;
const OPTION_RE = new RegExp(`^(.*?)[${WS}]*([=:])[${WS}]*(.*)$`, 's');
const DELIMITED = new RegExp(`^([${WS}]*.*?[${WS}]*[=:][${WS}]*)`, 's');
const pyStrip = (s: string): string => s.replace(STRIP, '');
const pyRstrip = (s: string): string => s.replace(RSTRIP, '');
const indentOf = (line: string): number => {
  const i = line.search(NON_SPACE);
  return i < 0 ? 0 : i;
};

/** One option as found in the text: where it is, so that it can be replaced in place. */
interface ScannedOption {
  key: string;
  lines: string[];
  /** Index (0-based) of its `key = value` line. */
  at: number;
  /** Indexes of its continuation lines. */
  continuation: number[];
}
interface ScannedSection {
  name: string;
  /** Index of its last `[name]` line (the header that opened it). */
  header: number;
  options: Map<string, ScannedOption>;
}
interface Scan {
  lines: string[];
  /** The terminator after each line ('' for a last line without one). */
  eols: string[];
  sections: Map<string, ScannedSection>;
  defaults: ScannedSection;
  problems: IniProblem[];
}

function splitLines(text: string): { lines: string[]; eols: string[] } {
  const lines: string[] = [];
  const eols: string[] = [];
  const re = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    lines.push(text.slice(start, m.index));
    eols.push(m[0]);
    start = m.index + m[0].length;
  }
  if (start < text.length) {
    lines.push(text.slice(start));
    eols.push('');
  }
  return { lines, eols };
}

/** The line-by-line reading of `RawConfigParser._read`; problems are collected, not thrown. */
function scan(text: string): Scan {
  const { lines, eols } = splitLines(text);
  const sections = new Map<string, ScannedSection>();
  const defaults: ScannedSection = { name: 'DEFAULT', header: -1, options: new Map() };
  const problems: IniProblem[] = [];
  const added = new Set<string>();
  let cursect: ScannedSection | null = null;
  let opt: ScannedOption | null = null;
  let indentLevel = 0;
  lines.forEach((line, i) => {
    const stripped = pyStrip(line);
    const comment = stripped.startsWith('#') || stripped.startsWith(';');
    if (comment || stripped === '') {
      // A blank line joins the current value (trailing ones are dropped at the end); a comment does nothing.
      if (!comment && cursect && opt) opt.lines.push('');
      return;
    }
    const indent = indentOf(line);
    if (cursect && opt && indent > indentLevel) {
      opt.lines.push(stripped);
      opt.continuation.push(i);
      return;
    }
    indentLevel = indent;
    const header = SECTION_RE.exec(stripped);
    if (header) {
      const name = header[1]!;
      const existing = sections.get(name);
      if (existing) {
        if (added.has(`s:${name}`)) problems.push({ line: i + 1, kind: 'duplicate-section' });
        cursect = existing;
      } else if (name === 'DEFAULT') {
        cursect = defaults;
      } else {
        cursect = { name, header: i, options: new Map() };
        sections.set(name, cursect);
      }
      added.add(`s:${name}`);
      opt = null;
      return;
    }
    if (!cursect) {
      problems.push({ line: i + 1, kind: 'missing-section-header' });
      return;
    }
    const m = OPTION_RE.exec(stripped);
    if (!m) {
      problems.push({ line: i + 1, kind: 'no-delimiter' });
      return;
    }
    if (m[1] === '') {
      // configparser records the error, stores the value under '' and goes on; '' takes no continuation.
      problems.push({ line: i + 1, kind: 'empty-option-name' });
      const nameless = `o:${cursect.name}\u0000`;
      if (added.has(nameless)) problems.push({ line: i + 1, kind: 'duplicate-option' });
      added.add(nameless);
      opt = null;
      return;
    }
    const key = pyRstrip(m[1]!).toLowerCase();
    const id = `o:${cursect.name}\u0000${key}`;
    if (added.has(id)) problems.push({ line: i + 1, kind: 'duplicate-option' });
    added.add(id);
    opt = { key, lines: [pyStrip(m[3]!)], at: i, continuation: [] };
    // Like a dict assignment: a repeated key keeps its first place and takes the later value.
    cursect.options.set(key, opt);
  });
  return { lines, eols, sections, defaults, problems };
}

const valueOf = (o: ScannedOption): string => pyRstrip(o.lines.join('\n'));

function toDocument(s: Scan): IniDocument {
  const sectionValues = (sec: ScannedSection) => new Map([...sec.options].map(([k, o]) => [k, valueOf(o)]));
  return {
    sections: new Map([...s.sections].map(([name, sec]) => [name, sectionValues(sec)])),
    defaults: sectionValues(s.defaults),
  };
}

function problemError(p: IniProblem): ConfigParserError {
  return new ConfigParserError(`line ${p.line}: ${PROBLEM_TEXT[p.kind]}`, p.line, p.kind);
}

/** Reads an INI text strictly, as `ConfigParser().read_string(text)` does; throws ConfigParserError on the first problem. */
export function readIni(text: string): IniDocument {
  const s = scan(text);
  if (s.problems.length > 0) throw problemError(s.problems[0]!);
  return toDocument(s);
}

/** The problems configparser would raise for this text (empty when it reads cleanly). */
export function iniProblems(text: string): IniProblem[] {
  return scan(text).problems;
}

/**
 * Sections of an INI text read as Python's configparser reads it by default, leniently: lines
 * configparser would reject are skipped (a repeated key keeps the later value) instead of failing.
 * `[DEFAULT]`, when present, appears as a section of its own.
 */
export function parseConfigParser(text: string): Record<string, Record<string, string>> {
  const doc = toDocument(scan(text));
  const entries = [...doc.sections].map(([name, opts]) => [name, Object.fromEntries(opts)] as const);
  if (doc.defaults.size > 0) entries.unshift(['DEFAULT', Object.fromEntries(doc.defaults)]);
  return Object.fromEntries(entries);
}

/** `config.get(section, key, raw=True)`: the section's value, else DEFAULT's; undefined when neither has it. */
export function iniGet(doc: IniDocument, section: string, key: string): string | undefined {
  const k = key.toLowerCase();
  return doc.sections.get(section)?.get(k) ?? doc.defaults.get(k);
}

// --- writing -------------------------------------------------------------------------------

const KEY_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
// Characters that would end a line or be stripped or misread: control characters (tab aside) and
// the separators Python treats as whitespace.
const BAD_VALUE_CHARS = /[\x00-\x08\n-\x1f\x7f\x85\u2028\u2029]/;

/**
 * Refuses a value that configparser would not read back as written, naming the section and key:
 * a line break (the rest would become a continuation or a new line), surrounding whitespace (it
 * is stripped), `%` (interpolation: `%%` reads as `%`, `%(x)s` is substituted, a lone `%` is an
 * error), and `;` at the start or after whitespace (Python 2's ConfigParser drops it and what
 * follows as a comment, Python 3's keeps it: the two readers disagree).
 */
export function checkIniValue(section: string, key: string, value: string): void {
  const where = `[${section}] ${key}`;
  if (!KEY_RE.test(key))
    throw new ConfigParserError(`${where}: a key must be letters, digits and _ . + - (not starting with . + -)`);
  if (section === '' || /[\]\x00-\x1f\x7f]/.test(section) || pyStrip(section) !== section) {
    throw new ConfigParserError(
      `a section name must be non-empty, without ] or control characters or surrounding spaces`,
    );
  }
  if (BAD_VALUE_CHARS.test(value))
    throw new ConfigParserError(`${where}: the value holds a line break or control character`);
  if (pyStrip(value) !== value)
    throw new ConfigParserError(`${where}: the value starts or ends with whitespace, which configparser strips`);
  if (value.includes('%'))
    throw new ConfigParserError(
      `${where}: the value holds %, which configparser's interpolation would change or reject`,
    );
  if (/(^|[\t ]);/.test(value))
    throw new ConfigParserError(
      `${where}: the value holds ; at its start or after a space, an inline comment to Python 2's ConfigParser`,
    );
}

/**
 * Sets `entries` in `section` of an INI text and returns the new text. Every other line is kept
 * byte for byte. An existing key (matched case-insensitively) keeps its place, spelling, indentation
 * and delimiter; its continuation lines go (comments and blank lines among them stay). A new key
 * goes after the section's last option, a new section at the end. The text must read cleanly
 * (readIni) and the result is read back to prove that only these values changed.
 */
export function setIniValues(text: string, section: string, entries: ReadonlyArray<readonly [string, string]>): string {
  for (const [key, value] of entries) checkIniValue(section, key, value);
  if (section === 'DEFAULT') throw new ConfigParserError('writing to [DEFAULT] is not supported');
  const keys = entries.map(([k]) => k.toLowerCase());
  if (new Set(keys).size !== keys.length) throw new ConfigParserError(`[${section}]: a key is given twice`);
  const s = scan(text);
  if (s.problems.length > 0) throw problemError(s.problems[0]!);
  const eol = s.eols.find((e) => e !== '') ?? '\n';
  const out = s.lines.slice();
  const drop = new Set<number>();
  const sec = s.sections.get(section);
  const inserted: string[] = [];
  for (const [key, value] of entries) {
    const found = sec?.options.get(key.toLowerCase());
    if (found) {
      // Keep the indentation, the key as spelt and the delimiter with its spaces; replace the value.
      const m = DELIMITED.exec(s.lines[found.at]!)!;
      out[found.at] = value === '' ? pyRstrip(m[1]!) : m[1]! + value;
      for (const c of found.continuation) drop.add(c);
    } else {
      inserted.push(value === '' ? `${key} =` : `${key} = ${value}`);
    }
  }
  // New keys go after the section's last option line or continuation, indented like that option.
  let insertAfter = -1;
  let indent = '';
  if (sec && inserted.length > 0) {
    const options = [...sec.options.values()];
    insertAfter = options.reduce((acc, o) => Math.max(acc, o.at, ...o.continuation), sec.header);
    const lastOpt = options.sort((a, b) => b.at - a.at)[0];
    indent = lastOpt ? /^[\t ]*/.exec(s.lines[lastOpt.at]!)![0] : '';
  }
  const pieces: string[] = [];
  out.forEach((line, i) => {
    if (!drop.has(i)) pieces.push(line + (i === insertAfter && s.eols[i] === '' ? eol : s.eols[i]!));
    if (i === insertAfter) for (const t of inserted) pieces.push(indent + t + eol);
  });
  let result = pieces.join('');
  if (!sec && inserted.length > 0) {
    if (result !== '' && !/[\r\n]$/.test(result)) result += eol;
    if (result !== '' && !/(^|\r\n|\r|\n)[\t ]*(\r\n|\r|\n)$/.test(result)) result += eol;
    result += `[${section}]${eol}` + inserted.map((t) => t + eol).join('');
  }
  verifyRoundTrip(text, result, section, entries);
  return result;
}

function verifyRoundTrip(
  before: string,
  after: string,
  section: string,
  entries: ReadonlyArray<readonly [string, string]>,
): void {
  let docAfter: IniDocument;
  try {
    docAfter = readIni(after);
  } catch (err) {
    throw new ConfigParserError(
      `[${section}]: the updated text would not read cleanly (${(err as Error).message}); nothing written`,
    );
  }
  const docBefore = readIni(before);
  const expected = new Map<string, Map<string, string>>([...docBefore.sections].map(([n, o]) => [n, new Map(o)]));
  const target = expected.get(section) ?? new Map<string, string>();
  for (const [k, v] of entries) target.set(k.toLowerCase(), v);
  expected.set(section, target);
  const same =
    JSON.stringify([...expected].map(([n, o]) => [n, [...o]])) ===
      JSON.stringify([...docAfter.sections].map(([n, o]) => [n, [...o]])) &&
    JSON.stringify([...docBefore.defaults]) === JSON.stringify([...docAfter.defaults]);
  if (!same)
    throw new ConfigParserError(
      `[${section}]: the updated text would not read back as intended (an indentation the writer cannot place safely); nothing written`,
    );
}
