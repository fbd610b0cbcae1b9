/**
 * The public contract of post-processing: the `postProcessing` workflow's input, progress and
 * result, as the desgw client, the Temporal CLI and the parent run rely on them. It takes over once
 * the DAGs are on the grid: waits for them, judges each exposure's CCDs and forced photometry,
 * writes `complete_exposures_S<SEASON>_<time>.list` and `postproc_<SEASON>.ini`, and runs
 * run_postproc.py in the Post-Processing checkout. Types and constants only (workflow code imports it).
 */
import type { ForcephotoOutcome } from './forcephoto-verdict.js';
import type { NoCandidatesCause, PostprocOutputs } from './postproc-page.js';
import type { PostprocOutcome } from './postproc-status.js';

export const POST_PROCESSING_WORKFLOW_TYPE = 'postProcessing';
export const DEFAULT_GRID_DEADLINE_HOURS = 12;

/** The GW trigger and the proposal: written into postproc_<SEASON>.ini, never left at the template's values. */
export interface TriggerFacts {
  /** The GW trigger id, e.g. `S240511i` (written as `triggerid` and `ligoid`). */
  triggerId: string;
  /** The trigger's MJD: the origin of every light curve. */
  triggerMjd: number;
  /** The DECam proposal id, e.g. `2024A-0001`. */
  propid: string;
}

/** What `imageProcessing` takes to go on to post-processing once its exposures are submitted. */
export interface PostProcessingOptions extends TriggerFacts {
  /** The Post-Processing checkout; default `Post-Processing/` beside the gw_workflow directory. */
  postProcessingDir?: string;
  /** CCDs an exposure needs complete (default 50 of 59). */
  minCompleteCcds?: number;
  /** Where run_postproc.py writes (default: a new directory per run, beside the checkout). */
  outputDir?: string;
  /** After this long waiting for the grid, go on with what finished (default 12). */
  gridDeadlineHours?: number;
  /** run_postproc.py's --SKIPTO (0..7); default: decided from what the output directory holds. */
  skipTo?: number;
}

/** An exposure to post-process; NITE and job id when known (else looked up / not used). */
export interface GridExposure {
  expnum: number;
  band: string;
  nite?: string;
  /** The jobsub job id of its DAG: lets jobsub_q tell that it left the queue. */
  jobId?: string;
  /**
   * What DAGMaker warned of it (from its image-processing run): a verdict that fails names it.
   * Only DAGMaker's known warnings are kept (common/dagmaker-warnings.ts).
   */
  warnings?: string[];
}

/** Input of `postProcessing`, as JSON: one of `imageProcessingWorkflowId`, `outputTxt`, or `season` with `exposures`. */
export interface PostProcessingInput extends PostProcessingOptions {
  /** A finished image-processing run: its result gives the season, exposures, bands, nites and job ids. */
  imageProcessingWorkflowId?: string;
  /**
   * A legacy output.txt: line 1 `[EXPNUM BAND, …]` (or the legacy writer's `['EXPNUM BAND', …]`),
   * line 2 the season, line 3 the NITEs (or a PROPID, or nothing: NITEs then looked up).
   */
  outputTxt?: string;
  season?: number;
  exposures?: GridExposure[];
  /**
   * Not for starters: set by imageProcessing for its own post-processing. Only a run's own
   * `environment.json` (in a run directory, owned by the worker, mode 600) is accepted; anything
   * else is refused, since its PATH chooses the jobsub_q that runs as the worker's user.
   */
  envFile?: string;
}

export type GridFinish = 'runend' | 'left-queue';

/** Per exposure: how its DAG ended on the grid and how it was judged. */
export interface ExposureVerdict {
  expnum: number;
  band: string;
  nite: string;
  /** How we know its DAG finished, or null when it had not by the deadline or `proceed`. */
  finished: GridFinish | null;
  passed: boolean;
  ccds?: { complete: number; failed: number; incomplete: number; failSteps: { step: string; ccds: number[] }[] };
  forcephoto?: { outcome: ForcephotoOutcome; expected: number; found: number; missingCcds: number[] };
  /** Why it was left out, in a sentence (whole in verdicts.json; never in history). */
  reason?: string;
  /** Why it was left out, as a short code (verdicts judged before the codes existed have none). */
  code?: ReasonCode;
}

/**
 * Why an exposure was left out, in a word: its DAG had not finished (`not-finished`), DAGMaker had
 * foretold it (`no-templates`), too few complete CCDs (`ccds`), its forced photometry (`forcephoto`),
 * or a /pnfs listing that did not answer in time (`pnfs-timeout`).
 */
export type ReasonCode = 'not-finished' | 'no-templates' | 'ccds' | 'forcephoto' | 'pnfs-timeout';

/**
 * How the exposures were judged, as history carries it: counts, exposure numbers and reason codes.
 * Each verdict, whole (CCD counts, forced photometry, the reason in words), is in `file`.
 */
export interface VerdictSummary {
  /** verdicts.json in the output directory; absent for exposures judged before it was written. */
  file?: string;
  total: number;
  passed: number[];
  /** The distinct bands of the exposures that passed, in order of first appearance. */
  passedBands: string[];
  /** The exposures left out, by reason code. */
  leftOut: { code: ReasonCode; expnums: number[] }[];
}

export type PostProcessingPhase =
  | 'resolving'
  | 'waiting-for-grid'
  | 'judging'
  | 'waiting-for-checkout'
  | 'running-postproc'
  | 'done'
  | 'no-candidates'
  | 'failed'
  | 'cancelled';

export interface PostProcessingProgress {
  workflowId: string;
  phase: PostProcessingPhase;
  season?: number;
  triggerId?: string;
  /** Exposures whose DAG has finished, of all. */
  finished: number;
  total: number;
  /** Still on the grid. */
  pending: number[];
  /** What it waits for (the grid, the checkout, the DES machine's worker to take its task), and since when. */
  waitingFor?: { what: 'grid' | 'checkout' | 'worker'; message: string; since: string };
  /** What waiting for the grid has cost so far. */
  grid: GridWaitStats;
  /** The last look at the grid (workflow time), and when the next is due. */
  lastCheckAt?: string;
  nextCheckAt?: string;
  /** Why it failed, on one line, and the command that fits (set just before it ends failed). */
  failure?: { reason: string; next: string };
  /** The outcome, once run_postproc.py ended. */
  masterHtml?: string;
  /** How the input was read, when a person should know (e.g. a PROPID on a legacy output.txt's line 3). */
  warnings?: string[];
  /** Once judged: how many passed, why the others were left out (codes, counts, a few exposures) and the verdicts file. */
  verdicts?: VerdictSummary;
}

/** What the wait cost: how often jobsub_q ran and how many /pnfs entries were read. */
export interface GridWaitStats {
  polls: number;
  jobsubQCalls: number;
  pnfsReads: number;
  waitedS: number;
  /** /pnfs reads abandoned after DESGW_PNFS_TIMEOUT_S (counted as problems, never awaited for good). */
  pnfsTimeouts?: number;
}

export interface PostProcessingResult {
  workflowId: string;
  season: number;
  triggerId: string;
  outcome: Exclude<PostprocOutcome, 'failed'>;
  /**
   * On success, the page to open: `index.html` in the output directory, beside the candidate pages and
   * a copy of run_postproc.py's own masterHTML<SEASON>.html (whose links open only there), every link of it to a file that is there.
   */
  masterHtml?: string;
  /** What the output directory holds that operators use, counted (htmls/, the .dat files, …). */
  outputs?: PostprocOutputs;
  /** With no candidates: which cause run_postproc.py's output showed, in our words. */
  noCandidates?: { cause: NoCandidatesCause; said: string };
  outputDir: string;
  postProcessingDir: string;
  /** postproc_run.out: run_postproc.py's output. */
  logFile: string;
  listFile: string;
  iniFile: string;
  skipTo: number | null;
  /** Why that --SKIPTO, or why from the start (e.g. the list differs from the earlier pass's). */
  skipReason?: string;
  /** What was moved aside in the output directory before the pass: an earlier pass, its light-curve data files. */
  movedAside?: string[];
  /**
   * How the exposures were judged: the ones that passed, the ones left out by reason code, and
   * verdicts.json, which holds every verdict whole. (Results of post-processings from before it
   * have `exposures` and `leftOut` instead.)
   */
  verdicts?: VerdictSummary;
  /** Older results only: every verdict, with its reason in words. */
  exposures?: ExposureVerdict[];
  /** Older results only: exposures left out, each with why. */
  leftOut?: { expnum: number; reason: string }[];
  grid: GridWaitStats;
  /** Why it went on before every DAG finished, when it did. */
  proceededBecause?: 'deadline' | 'proceed-signal';
  /** How the input was read, when a person should know (e.g. a PROPID on a legacy output.txt's line 3). */
  warnings?: string[];
  startedAt: string;
  finishedAt: string;
}
