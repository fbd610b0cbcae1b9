/**
 * Why: a big night (5,000 exposures, each left out with a long reason) must not put a sentence per
 * exposure into history. The verdicts go whole to verdicts.json; history, results and Current
 * Details carry this summary: exposure numbers and short reason codes. Reads the older shape too
 * (verdicts with reasons in words, from histories recorded before verdicts.json), so workflow code
 * replaying them takes the same path. Pure: usable in workflow code.
 */
import type { ExposureVerdict, ReasonCode, VerdictSummary } from './post-processing-contract.js';

/** The codes in the order a summary lists them: what a person can act on first. */
export const REASON_CODES: readonly ReasonCode[] = [
  'not-finished',
  'no-templates',
  'ccds',
  'forcephoto',
  'pnfs-timeout',
];

/** What each code means, for a person reading a summary. */
export const REASON_MEANING: Record<ReasonCode, string> = {
  'not-finished': 'its DAG had not finished on the grid',
  'no-templates': 'DAGMaker had warned there were no templates (diffimg fails)',
  ccds: 'too few complete CCDs',
  forcephoto: 'forced photometry missing or wrong',
  'pnfs-timeout': 'a /pnfs listing did not answer in time',
};

/**
 * The code of a verdict left out: its own, or, for one judged before codes existed, read from what
 * it holds (its DAG's end, DAGMaker's warning at the head of its reason, its CCD counts).
 */
export function codeOf(v: ExposureVerdict, minCompleteCcds: number): ReasonCode {
  if (v.code) return v.code;
  if (v.finished === null) return 'not-finished';
  if (v.reason?.startsWith('DAGMaker warned')) return 'no-templates';
  if (!v.ccds || v.ccds.complete < minCompleteCcds) return 'ccds';
  return 'forcephoto';
}

/** The summary of verdicts, in the order they were judged. */
export function summarize(
  verdicts: readonly ExposureVerdict[],
  minCompleteCcds: number,
  file?: string,
): VerdictSummary {
  const passed = verdicts.filter((v) => v.passed);
  const byCode = new Map<ReasonCode, number[]>();
  for (const v of verdicts.filter((x) => !x.passed)) {
    const code = codeOf(v, minCompleteCcds);
    const list = byCode.get(code) ?? [];
    list.push(v.expnum);
    byCode.set(code, list);
  }
  return {
    ...(file ? { file } : {}),
    total: verdicts.length,
    passed: passed.map((v) => v.expnum),
    passedBands: [...new Set(passed.map((v) => v.band))],
    leftOut: REASON_CODES.filter((c) => byCode.has(c)).map((code) => ({ code, expnums: byCode.get(code)! })),
  };
}

/** Every exposure left out, in the summary's order. */
export function leftOutExpnums(s: VerdictSummary): number[] {
  return s.leftOut.flatMap((l) => l.expnums);
}

/** `12, 13, 14 and 4987 more`: a few exposure numbers of a long list. */
export function someOf(expnums: readonly number[], few = 3): string {
  const shown = expnums.slice(0, few).join(', ');
  return expnums.length > few ? `${shown} and ${expnums.length - few} more` : shown;
}

/**
 * Why exposures were left out, in one line: the count per code and a few of each, then where every
 * verdict is, e.g. `ccds 4990 (1297759, 1297760, 1297761 and 4987 more); not-finished 10 (…);
 * every verdict in /…/verdicts.json`.
 */
export function describeLeftOut(s: VerdictSummary, few = 3): string {
  const parts = s.leftOut.map((l) => `${l.code} ${l.expnums.length} (${someOf(l.expnums, few)})`);
  const where = s.file ? `; every verdict in ${s.file}` : '';
  return `${parts.join('; ')}${where}`;
}

/** `judged 5000: 0 passed; left out: …` — the line Current Details, desgw status and the result show. */
export function describeVerdicts(s: VerdictSummary, few = 3): string {
  const head = `judged ${s.total}: ${s.passed.length} passed`;
  return s.leftOut.length === 0
    ? `${head}${s.file ? `; every verdict in ${s.file}` : ''}`
    : `${head}; left out: ${describeLeftOut(s, few)}`;
}
