/**
 * `judgeExposures`: reads each finished exposure's 59 CCD directories and its forced-photometry
 * directory (one listing each, nothing else), and judges them with common/ccd-verdict.ts and
 * common/forcephoto-verdict.ts. An exposure whose DAG had not finished is left out without a look.
 * An exposure that fails and that DAGMaker had warned of (no templates: diffimg will fail) says so
 * first in its reason: the failure was foretold, not the grid's doing.
 *
 * Every verdict goes whole to verdicts.json in the output directory (written at once, whole or not
 * at all); history gets the summary (exposure numbers and reason codes), so that a night of 5,000
 * exposures left out with long reasons stays small there. The listings go through the worker's
 * /pnfs reads (support/pnfs-reads.ts: capped, off the worker's threads, each with a timeout). It
 * heartbeats as exposures are judged, in order, each appended to a partial file first: a retried
 * attempt resumes after the last one its predecessor recorded.
 */
import { appendFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeCcdVerdict, judgeCcds } from '../common/ccd-verdict.js';
import { reasonWithWarning } from '../common/dagmaker-warnings.js';
import { ccdDirName, DECAM_CCDS } from '../common/decam-ccds.js';
import { describeForcephotoVerdict, judgeForcephoto } from '../common/forcephoto-verdict.js';
import type { ExposureVerdict, GridFinish, ReasonCode } from '../common/post-processing-contract.js';
import { summarize } from '../common/verdict-summary.js';
import { writeAtomically } from './support/atomic-file.js';
import { beats } from './support/heartbeat.js';
import { inOrder } from './support/in-order.js';
import { expDir, forcephotoDir } from './support/pnfs-paths.js';
import type { PnfsReads } from './support/pnfs-reads.js';
import { listGridDir } from './support/grid-listing.js';
import type { GridEntry } from '../common/grid-files.js';
import type { JudgeExposuresInput, JudgeExposuresResult } from './post-processing-types.js';

/** The verdicts file, in the output directory. */
export const VERDICTS_FILE = 'verdicts.json';
/** Verdicts judged so far, one JSON a line, in input order: what a retried attempt resumes from. */
const PARTIAL_FILE = '.verdicts.partial.jsonl';
/** Exposures judged at once: enough to keep every /pnfs slot busy across an exposure's end. */
const EXPOSURES_AT_ONCE = 4;

interface ToJudge {
  expnum: number;
  band: string;
  nite: string;
  finished: GridFinish | null;
  warnings?: string[];
  /** When its DAG was submitted (ms), when known: older files are an earlier DAG's. */
  submittedMs?: number;
}

/** What an attempt's heartbeat records: exposures judged (and in the partial file), and what it cost. */
interface Progress {
  done: number;
  pnfsReads: number;
  pnfsTimeouts: number;
}

export async function judgeExposuresWith(reads: PnfsReads, input: JudgeExposuresInput): Promise<JudgeExposuresResult> {
  const exposures = toJudge(input);
  const judge = judgeOne(reads, input);
  if (input.outputDir === undefined) {
    // Input of older workflow code: it expects the verdicts themselves.
    const verdicts: ExposureVerdict[] = [];
    let pnfsReads = 0;
    for (const e of exposures) {
      const j = await judge(e);
      verdicts.push(withoutCode(j.verdict));
      pnfsReads += j.reads;
    }
    return { verdicts, pnfsReads };
  }

  await mkdir(input.outputDir, { recursive: true, mode: 0o775 });
  const partial = join(input.outputDir, PARTIAL_FILE);
  const activity = beats();
  const earlier = activity.last<Progress>();
  const verdicts = earlier ? await resumable(partial, exposures) : [];
  if (!earlier || verdicts.length === 0) await writeFile(partial, '', { mode: 0o664 });
  const resumedAt = verdicts.length;
  const progress: Progress = {
    done: resumedAt,
    pnfsReads: earlier && resumedAt > 0 ? earlier.pnfsReads : 0,
    pnfsTimeouts: earlier && resumedAt > 0 ? earlier.pnfsTimeouts : 0,
  };

  // Judged out of order, recorded in order: the partial file, then the heartbeat that counts it.
  let writing = Promise.resolve();
  const judging = inOrder(
    resumedAt,
    exposures.length,
    EXPOSURES_AT_ONCE,
    (i) => {
      // A cancelled post-processing stops judging (its heartbeats bring the cancellation).
      activity.throwIfCancelled();
      return judge(exposures[i]!);
    },
    (_, j) => {
      verdicts.push(j.verdict);
      progress.pnfsReads += j.reads;
      progress.pnfsTimeouts += j.timeouts;
      const line = `${JSON.stringify(j.verdict)}\n`;
      const counted = { ...progress, done: verdicts.length };
      writing = writing.then(async () => {
        await appendFile(partial, line);
        activity.heartbeat(counted);
      });
    },
  );
  // Whether it ends or fails (cancelled), what it judged is in the partial file before it returns.
  await judging.finally(() => writing);

  const file = join(input.outputDir, VERDICTS_FILE);
  await writeAtomically(file, `${JSON.stringify({ season: input.season, verdicts }, null, 1)}\n`);
  await rm(partial, { force: true });
  return {
    summary: summarize(verdicts, input.minCompleteCcds, file),
    pnfsReads: progress.pnfsReads,
    pnfsTimeouts: progress.pnfsTimeouts,
    ...(resumedAt > 0 ? { resumedAt } : {}),
  };
}

/** The exposures, from the columns or from older input's objects. */
function toJudge(input: JudgeExposuresInput): ToJudge[] {
  if (!input.columns)
    return (input.exposures ?? []).map((e) => ({
      ...e,
      ...(e.submittedAt ? { submittedMs: Date.parse(e.submittedAt) } : {}),
    }));
  const c = input.columns;
  const warned = new Map<number, string>();
  for (const w of c.warned ?? []) for (const expnum of w.expnums) warned.set(expnum, w.warning);
  return c.expnums.map((expnum, i) => {
    const warning = warned.get(expnum);
    return {
      expnum,
      band: c.bands[i]!,
      nite: c.nites[i]!,
      finished: c.finished[i] ?? null,
      ...(warning ? { warnings: [warning] } : {}),
      ...(c.submittedMs?.[i] != null ? { submittedMs: c.submittedMs[i]! } : {}),
    };
  });
}

/** The verdicts an earlier attempt recorded, in input order, up to the first that is missing, cut short or not this input's. */
async function resumable(partial: string, exposures: ToJudge[]): Promise<ExposureVerdict[]> {
  const text = await readFile(partial, 'utf8').catch(() => '');
  const out: ExposureVerdict[] = [];
  for (const line of text.split('\n')) {
    const v = parsed(line);
    if (!v || v.expnum !== exposures[out.length]?.expnum) break;
    out.push(v);
  }
  // What follows the last whole verdict (a line cut short by the attempt's end) goes.
  await writeFile(partial, out.map((v) => `${JSON.stringify(v)}\n`).join(''), { mode: 0o664 });
  return out;
}

function parsed(line: string): ExposureVerdict | null {
  try {
    const v = JSON.parse(line) as ExposureVerdict;
    return typeof v?.expnum === 'number' ? v : null;
  } catch {
    return null;
  }
}

function withoutCode(v: ExposureVerdict): ExposureVerdict {
  const { code: _code, ...rest } = v;
  return rest;
}

/** Judges one exposure: its verdict, with its reason whole and its code, and the reads it took. */
function judgeOne(reads: PnfsReads, { season, pnfsRoot, minCompleteCcds }: JudgeExposuresInput) {
  return async (e: ToJudge): Promise<{ verdict: ExposureVerdict; reads: number; timeouts: number }> => {
    const base = { expnum: e.expnum, band: e.band, nite: e.nite, finished: e.finished };
    if (e.finished === null) {
      const reason = reasonWithWarning('its DAG had not finished on the grid', false, e.warnings);
      return { verdict: { ...base, passed: false, reason, code: 'not-finished' }, reads: 0, timeouts: 0 };
    }
    let timeouts = 0;
    let readCount = 0;
    const since = e.submittedMs; // older files: an earlier DAG's
    const list = async (dir: string): Promise<GridEntry[]> => {
      const listed = await listGridDir(reads, dir, since);
      readCount += listed.reads;
      timeouts += listed.timeouts;
      return listed.entries;
    };
    const dir = expDir(pnfsRoot, season, e);
    // An exposure's 59 listings at once (as many as the worker's /pnfs slots allow): each is a round trip to dCache.
    const files = await Promise.all(DECAM_CCDS.map((ccd) => list(join(dir, ccdDirName(e.band, ccd)))));
    const listing: Record<number, GridEntry[]> = Object.fromEntries(DECAM_CCDS.map((ccd, i) => [ccd, files[i]!]));
    const ccds = judgeCcds(listing, minCompleteCcds, since);
    const photometry = await list(forcephotoDir(pnfsRoot, season, e));
    const fp = judgeForcephoto({ band: e.band, completeCcds: ccds.complete, files: photometry, submittedAtMs: since });
    const passed = ccds.passed && fp.accepted;
    const unanswered = timeouts > 0 ? `${timeouts} /pnfs listing(s) did not answer in time; ` : '';
    const code: ReasonCode | undefined = passed
      ? undefined
      : timeouts > 0
        ? 'pnfs-timeout'
        : e.warnings?.length
          ? 'no-templates'
          : !ccds.passed
            ? 'ccds'
            : 'forcephoto';
    const verdict: ExposureVerdict = {
      ...base,
      passed,
      ccds: {
        complete: ccds.counts.complete,
        failed: ccds.counts.failed,
        incomplete: ccds.counts.incomplete,
        failSteps: ccds.failSteps.map(({ step, run, ccds: c }) => ({
          step: run === null ? step : `RUN${String(run).padStart(2, '0')}_${step}`,
          ccds: c,
        })),
      },
      forcephoto: { outcome: fp.outcome, expected: fp.expected, found: fp.found, missingCcds: fp.missingCcds },
      reason: reasonWithWarning(
        `${unanswered}${describeCcdVerdict(ccds)}; ${describeForcephotoVerdict(fp)}`,
        passed,
        e.warnings,
      ),
      ...(code ? { code } : {}),
    };
    return { verdict, reads: readCount, timeouts };
  };
}
