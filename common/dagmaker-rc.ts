/**
 * dagmaker.rc: the bash-sourced configuration of the gw_workflow directory.
 *
 * One table says which keys exist and what form their values take; validation, quoting and the
 * rewrite of the file are driven by it (the legacy script had one copy-pasted block per key).
 * Every value is written single-quoted, so `source ./dagmaker.rc` reads it literally, and values
 * carrying shell syntax are refused outright, naming the key.
 */
import type { RcChange } from './contract.js';

interface Form {
  /** What a person should write, for error messages. */
  describe: string;
  test: (v: string) => boolean;
}

const integer: Form = { describe: 'an integer', test: (v) => /^\d{1,9}$/.test(v) };
const word: Form = { describe: 'a word (letters, digits, _ . -)', test: (v) => /^[A-Za-z0-9_.-]{1,64}$/.test(v) };
const trueFalse: Form = { describe: 'true or false', test: (v) => v === 'true' || v === 'false' };
const onOff: Form = { describe: 'on or off', test: (v) => v === 'on' || v === 'off' };
const zeroOne: Form = { describe: '0 or 1', test: (v) => v === '0' || v === '1' };
const fraction: Form = {
  describe: 'a number from 0 to 1',
  test: (v) => /^(0(\.\d+)?|1(\.0+)?|\.\d+)$/.test(v),
};
const nonNegative: Form = { describe: 'a non-negative number', test: (v) => /^\d{1,6}(\.\d+)?$/.test(v) };
const nite: Form = {
  describe: 'a night as YYYYMMDD',
  test: (v) => /^(19|20)\d\d(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$/.test(v),
};
const oneOf = (...words: string[]): Form => ({
  describe: `one of ${words.join(', ')}`,
  test: (v) => words.includes(v),
});
/**
 * Free text (jobsub flags, SEdiff options). Single-quoting makes any value literal for bash's
 * `source`; DAGMaker later expands these unquoted into command lines, so what could start a
 * command there (expansions, command separators, redirections, line breaks) is refused too.
 * Quotes, parentheses, `||` and `&&` stay allowed: condor requirements in JOBSUB_OPTS need them.
 */
const text: Form = {
  describe: 'text without shell syntax ($ ` ; < > or control characters)',
  test: (v) => v.length <= 1024 && !/[$`;<>\x00-\x1f\x7f]/.test(v),
};

/** The keys DAGMaker reads, with the form of their values (legacy-facts, "dagmaker.rc keys"). */
export const RC_KEYS: Readonly<Record<string, Form>> = {
  SEASON: integer,
  RNUM: integer,
  PNUM: integer,
  DIFFIMG_EUPS_VERSION: word,
  WRITEDB: onOff,
  RM_MYTEMP: trueFalse,
  IGNORECALIB: trueFalse,
  DESTCACHE: oneOf('persistent', 'scratch'),
  SCHEMA: oneOf('gw', 'wsdiff'),
  JOBSUB_OPTS: text,
  JOBSUB_OPTS_SE: text,
  JOBSUB_TEMP_OPTS: text,
  RESOURCES: text,
  SEARCH_OPTS: text,
  TEMP_OPTS: text,
  TEFF_CUT_g: fraction,
  TEFF_CUT_i: fraction,
  TEFF_CUT_r: fraction,
  TEFF_CUT_Y: fraction,
  TEFF_CUT_z: fraction,
  TEFF_CUT_u: fraction,
  TWINDOW: nonNegative,
  MIN_NITE: nite,
  MAX_NITE: nite,
  SKIP_INCOMPLETE_SE: trueFalse,
  DO_HEADER_CHECK: zeroOne,
  STASHVER: integer,
};

/**
 * DAGMaker's own values of the keys post-processing depends on, when dagmaker.rc leaves them out
 * (its defaults block: `WRITEDB="off"`, `DESTCACHE="persistent"`, `SCHEMA="gw"`).
 */
export const DAGMAKER_DEFAULTS = Object.freeze({ WRITEDB: 'off', DESTCACHE: 'persistent', SCHEMA: 'gw' });

/**
 * The value a run's DAGMaker sees for a key: the run's own setting, else the site's dagmaker.rc,
 * else DAGMaker's default; with where it came from, for messages.
 */
export function effectiveRcValue(
  siteRcText: string,
  runSettings: Record<string, string>,
  key: keyof typeof DAGMAKER_DEFAULTS,
): { value: string; from: 'run' | 'dagmaker.rc' | 'default' } {
  if (runSettings[key] !== undefined) return { value: runSettings[key], from: 'run' };
  const site = rcValue(siteRcText, key);
  if (site !== null) return { value: site, from: 'dagmaker.rc' };
  return { value: DAGMAKER_DEFAULTS[key], from: 'default' };
}

/** Keys a run may not set through `rc`: the season is chosen by the run itself. */
const RUN_OWNED = new Set(['SEASON']);

export class RcValueError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'RcValueError';
  }
}

/** Validates requested rc settings; returns them as strings. Throws RcValueError naming each bad key. */
export function validateRcSettings(rc: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, raw] of Object.entries(rc ?? {})) {
    const form = RC_KEYS[key];
    if (!form) {
      problems.push(
        `rc key '${key}' is not a dagmaker.rc key DAGMaker reads (known: ${Object.keys(RC_KEYS).join(', ')})`,
      );
      continue;
    }
    if (RUN_OWNED.has(key)) {
      problems.push(`rc key '${key}' is set by the run itself: use the season input instead`);
      continue;
    }
    if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
      problems.push(`rc key '${key}': value must be a string, number or boolean`);
      continue;
    }
    const value = String(raw);
    if (!form.test(value)) {
      problems.push(`rc key '${key}': '${value.replace(/[\x00-\x1f]/g, '?').slice(0, 60)}' is not ${form.describe}`);
      continue;
    }
    out[key] = value;
  }
  if (problems.length > 0) throw new RcValueError(problems);
  return out;
}

/** Single-quotes a value for bash: nothing inside single quotes is expanded. */
export function bashQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Matches `KEY=value`, `export KEY=value`, or their commented-out forms `#KEY=value`. */
function assignment(line: string): { key: string; commented: boolean; value: string; trailing: string } | null {
  const m = /^\s*(#\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^\s#]*)(\s+#.*)?\s*$/.exec(line);
  if (!m) return null;
  return { key: m[2]!, commented: m[1] !== undefined, value: m[3] ?? '', trailing: m[4] ?? '' };
}

/**
 * The value a dagmaker.rc's text gives `key` when sourced: its last active plain assignment, quotes
 * removed; null when no active line sets it in a form read here (e.g. `SEASON=612`, `SEASON='612'`).
 */
export function rcValue(text: string, key: string): string | null {
  let value: string | null = null;
  for (const line of text.split('\n')) {
    const a = assignment(line);
    if (a?.key !== key || a.commented) continue;
    const quoted = /^(["'])(.*)\1$/.exec(a.value);
    value = quoted ? quoted[2]! : a.value;
  }
  return value;
}

/**
 * Rewrites the text of a dagmaker.rc, setting each key to its (already validated) value. Keeps every
 * other line, comments and order; sets every active assignment of a key, or uncomments the first
 * commented-out one when the key has no active line, or appends it. Returns the new text and the
 * change made to each key.
 */
export function rewriteRc(text: string, settings: Record<string, string>): { text: string; changes: RcChange[] } {
  const lines = text.split('\n');
  const trailingNewline = text.endsWith('\n');
  if (trailingNewline) lines.pop();
  const changes: RcChange[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const active: number[] = [];
    let commented = -1;
    lines.forEach((line, i) => {
      const a = assignment(line);
      if (a?.key !== key) return;
      if (!a.commented) active.push(i);
      else if (commented < 0) commented = i;
    });
    const targets = active.length > 0 ? active : commented >= 0 ? [commented] : [];
    if (targets.length === 0) {
      lines.push(`${key}=${bashQuote(value)}`);
      changes.push({ key, before: null, after: lines[lines.length - 1]!, line: lines.length });
      continue;
    }
    for (const i of targets) {
      const before = lines[i]!;
      const after = `${key}=${bashQuote(value)}${assignment(before)!.trailing}`;
      lines[i] = after;
      changes.push({ key, before, after, line: i + 1 });
    }
  }
  return { text: lines.join('\n') + (trailingNewline || lines.length > 0 ? '\n' : ''), changes };
}

/** A unified-diff-like rendering of the changes, for the history and the run directory. */
export function renderRcDiff(changes: RcChange[], from: string, to: string): string {
  const out = [`--- ${from}`, `+++ ${to}`];
  for (const c of changes) {
    out.push(`@@ line ${c.line} (${c.key}) @@`);
    if (c.before !== null) out.push(`-${c.before}`);
    out.push(`+${c.after}`);
  }
  return out.join('\n') + '\n';
}
