/**
 * What post-processing puts into history around the grid and the judging, built small: checkGrid's
 * and judgeExposures' input column by column (no field names per exposure), what judging returned
 * read in either shape (the summary, or an older history's verdicts), the message of a night where
 * nothing passed, and the workflow's result. At 5,000 exposures each left out with a long reason,
 * every one of these stays far under Temporal's payload limit (test/unit/payloads.test.ts). Pure:
 * no workflow API is called here.
 */
import type {
  CheckGridInput,
  JudgeExposuresInput,
  JudgeExposuresResult,
  PostExposure,
  ResolvedPostProcessing,
  RunPostprocResult,
} from '../activities/post-processing-types.js';
import { mainWarning } from '../common/dagmaker-warnings.js';
import type {
  ExposureVerdict,
  GridFinish,
  GridWaitStats,
  PostProcessingResult,
  VerdictSummary,
} from '../common/post-processing-contract.js';
import { describeLeftOut, summarize } from '../common/verdict-summary.js';

/** checkGrid's input for the exposures still on the grid. */
export function checkGridInput(
  run: ResolvedPostProcessing,
  pending: PostExposure[],
  askQueue: boolean,
): CheckGridInput {
  return {
    season: run.season,
    pnfsRoot: run.pnfsRoot,
    pending: {
      expnums: pending.map((e) => e.expnum),
      nites: pending.map((e) => e.nite),
      jobIds: pending.map((e) => e.jobId ?? null),
      submittedMs: pending.map((e) => (e.submittedAt ? Date.parse(e.submittedAt) : null)),
    },
    askQueue,
    ...(run.envFile ? { envFile: run.envFile } : {}),
  };
}

/** judgeExposures' input: every exposure, how its DAG finished (or not), DAGMaker's main warning grouped. */
export function judgeInput(
  run: ResolvedPostProcessing,
  finished: ReadonlyMap<number, GridFinish>,
): JudgeExposuresInput {
  const warned = new Map<string, number[]>();
  for (const e of run.exposures) {
    const w = mainWarning(e.warnings ?? []);
    if (w === undefined) continue;
    const list = warned.get(w) ?? [];
    list.push(e.expnum);
    warned.set(w, list);
  }
  return {
    season: run.season,
    pnfsRoot: run.pnfsRoot,
    minCompleteCcds: run.minCompleteCcds,
    columns: {
      expnums: run.exposures.map((e) => e.expnum),
      bands: run.exposures.map((e) => e.band),
      nites: run.exposures.map((e) => e.nite),
      finished: run.exposures.map((e) => finished.get(e.expnum) ?? null),
      // When each DAG was submitted: files older than that are an earlier DAG's, and do not count.
      ...(run.exposures.some((e) => e.submittedAt)
        ? { submittedMs: run.exposures.map((e) => (e.submittedAt ? Date.parse(e.submittedAt) : null)) }
        : {}),
      ...(warned.size > 0 ? { warned: [...warned].map(([warning, expnums]) => ({ warning, expnums })) } : {}),
    },
    outputDir: run.outputDir,
  };
}

/** What judging returned, as a summary: today's, or an older history's verdicts (with reasons in words) summed up. */
export function judgedSummary(
  r: JudgeExposuresResult,
  minCompleteCcds: number,
): { summary: VerdictSummary; pnfsReads: number; pnfsTimeouts: number } {
  if ('summary' in r) return { summary: r.summary, pnfsReads: r.pnfsReads, pnfsTimeouts: r.pnfsTimeouts };
  return { summary: summarize(r.verdicts, minCompleteCcds), pnfsReads: r.pnfsReads, pnfsTimeouts: 0 };
}

/** The summary of what a checkout wait carried: today's summary, or an older run's verdicts. */
export function carriedSummary(
  judged: { summary?: VerdictSummary; verdicts?: ExposureVerdict[] },
  minCompleteCcds: number,
): VerdictSummary {
  return judged.summary ?? summarize(judged.verdicts ?? [], minCompleteCcds);
}

/** Why run_postproc.py was not started: counts per reason code, a few exposures of each, and where every verdict is. */
export function noExposurePassedMessage(s: VerdictSummary): string {
  return `no exposure passed the grid checks (run_postproc.py not started): ${s.total} left out: ${describeLeftOut(s)}`;
}

export interface ResultFacts {
  workflowId: string;
  run: ResolvedPostProcessing;
  ran: RunPostprocResult;
  summary: VerdictSummary;
  inputs: { listFile: string; iniFile: string };
  grid: GridWaitStats;
  proceededBecause?: 'deadline' | 'proceed-signal';
  warnings: string[];
  startedAt: string;
  finishedAt: string;
}

/** The post-processing's result: how it ended, its files, and the verdicts summed up (whole in verdicts.json). */
export function postProcessingResult(f: ResultFacts): PostProcessingResult {
  const { run, ran } = f;
  return {
    workflowId: f.workflowId,
    season: run.season,
    triggerId: run.trigger.triggerId,
    outcome: ran.outcome,
    ...(ran.masterHtml ? { masterHtml: ran.masterHtml } : {}),
    ...(ran.outputs ? { outputs: ran.outputs } : {}),
    ...(ran.noCandidates ? { noCandidates: ran.noCandidates } : {}),
    outputDir: run.outputDir,
    postProcessingDir: run.postProcessingDir,
    logFile: ran.logFile,
    listFile: f.inputs.listFile,
    iniFile: f.inputs.iniFile,
    skipTo: ran.skipTo,
    ...(ran.skipReason ? { skipReason: ran.skipReason } : {}),
    ...(ran.movedAside ? { movedAside: ran.movedAside } : {}),
    verdicts: f.summary,
    grid: f.grid,
    ...(f.proceededBecause ? { proceededBecause: f.proceededBecause } : {}),
    ...(f.warnings.length > 0 ? { warnings: f.warnings } : {}),
    startedAt: f.startedAt,
    finishedAt: f.finishedAt,
  };
}
