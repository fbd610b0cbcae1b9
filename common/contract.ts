/**
 * The public contract of the application: task queue, workflow types, their input and result.
 * The desgw client, the Temporal CLI and later runs rely on these names and shapes; change them
 * only compatibly. This module is imported by workflow code, so it holds types and constants only.
 */
import type { WaitingFor } from './failures.js';
import type { PostProcessingOptions } from './post-processing-contract.js';

export const TASK_QUEUE = 'desgw-image-processing';
/** The site's activities (files, environment, season, submission): served only by workers on the DES machine. */
export const SITE_TASK_QUEUE = 'desgw-site';
/** DAGMaker: served only by the DES machine's worker, at most DESGW_DAGMAKER_SLOTS at once on that host. */
export const DAGMAKER_TASK_QUEUE = 'desgw-dagmaker';
/** The registry's workflow type, for the activity that starts it (activities do not import workflow code). */
export const SEASON_REGISTRY_WORKFLOW_TYPE = 'seasonRegistry';
export const SEASON_REGISTRY_WORKFLOW_ID = 'desgw-season-registry';
export const DEFAULT_MAX_CONCURRENT = 5;
/**
 * The most exposures one run takes. What a run carries across continue-as-new grows by ~220 bytes
 * an exposure (1.1 MB at 5,000, bench/scale.ts) and must stay under Temporal's 2 MB payload limit;
 * 5,000 is what the scale benchmark runs. A longer campaign is several runs.
 */
export const MAX_EXPOSURES_PER_RUN = 5000;

/** Input of `imageProcessing`, as JSON (startable with `temporal workflow start --input '{…}'`). */
export interface ImageProcessingInput {
  /** Path, on the worker host, of a `.list` file: one exposure number a line, `#` comments and blank lines allowed. */
  exposureListFile: string;
  /** `"auto"` to allocate an unused season, or the season number wanted. */
  season: 'auto' | number;
  /** dagmaker.rc keys to set for this run, e.g. `{"WRITEDB": "off", "MIN_NITE": "20231001"}`. */
  rc?: Record<string, string | number | boolean>;
  /** How many exposures may be in DAGMaker/submission at once (default 5). */
  maxConcurrent?: number;
  /** The gw_workflow directory; default: the worker's DESGW_GW_WORKFLOW_DIR, else the sandbox site. */
  gwWorkflowDir?: string;
  /** Where output.txt and manifest.json go; default `image_proc_outputs/` beside the gw_workflow directory. */
  outputDir?: string;
  /**
   * Resume an earlier run of the same workflow id (`desgw resume`): same season, same run directory,
   * exposures already submitted are not submitted again; ones that failed for good are retried only
   * with `retryFailed`.
   */
  resume?: { retryFailed?: boolean };
  /**
   * Go on to post-processing once the exposures are submitted: a `postProcessing` child waits for
   * the grid, judges the exposures and runs run_postproc.py (see common/post-processing-contract.ts).
   */
  postProcessing?: PostProcessingOptions;
}

/** `cancelled`: the run was cancelled before the exposure was submitted (in a cancelled run's manifest only). */
export type ExposureStatus = 'submitted' | 'failed' | 'cancelled';

export interface Exposure {
  expnum: number;
  band: string;
  nite: string;
}

export interface ExposureResult extends Exposure {
  status: ExposureStatus;
  /** jobsub job id, e.g. `48213001.0@jobsub01.fnal.gov`, when submitted. */
  jobId?: string;
  /**
   * The per-exposure working directory DAGMaker ran in, and the files in it. Always in manifest.json;
   * left out of the workflow result of runs of more than 1000 exposures (see ImageProcessingResult).
   */
  workDir?: string;
  dagFile?: string;
  dagmakerOutFile?: string;
  submitOutFile?: string;
  /** DAGMaker warnings worth a person's attention (e.g. no templates). */
  warnings: string[];
  /** Attempts of each step (1 = first try succeeded). */
  attempts: { dagmaker: number; submit: number };
  /** Wall-clock durations in milliseconds of the successful attempt of each step, and of the whole exposure. */
  durationsMs: { dagmaker?: number; submit?: number; total: number };
  /** Why the exposure failed, when it did. */
  error?: string;
  /** Submitted by an earlier run of the same workflow id (a resumed run does not submit it again). */
  resumed?: boolean;
  /**
   * Submitted by an earlier attempt of this run whose outcome was not recorded (the worker died):
   * its job id was found afterwards, in the command's output or in jobsub_q. Nothing was submitted twice.
   */
  recovered?: boolean;
}

export interface ImageProcessingResult {
  workflowId: string;
  season: number;
  /** Distinct NITEs of the exposures, in order of first appearance. */
  nites: string[];
  gwWorkflowDir: string;
  runDir: string;
  outputDir: string;
  /**
   * This run's own hand-off, in its run directory (no other run writes them), and the legacy
   * `output.txt` in outputDir, which holds the last finished run's (replaced whole, atomically).
   */
  outputFiles: { outputTxt: string; manifest: string; latestOutputTxt?: string };
  /** Exposure numbers listed more than once; each was processed once. */
  duplicatesDropped: number[];
  rcChanges: RcChange[];
  /**
   * Per exposure. Runs of more than 1000 exposures leave the file paths out here (they are in
   * manifest.json): a workflow result must stay well under Temporal's 2 MB payload limit.
   */
  exposures: ExposureResult[];
  counts: { total: number; submitted: number; failed: number };
  /** When the run went on to post-processing: its workflow and how it ended. */
  postProcessing?: {
    workflowId: string;
    outcome: 'success' | 'no-candidates' | 'failed';
    masterHtml?: string;
    outputDir?: string;
    error?: string;
  };
  startedAt: string;
  finishedAt: string;
}

export interface RcChange {
  key: string;
  /** The line as it was in the site's dagmaker.rc, or null when the key was appended. */
  before: string | null;
  after: string;
  /** 1-based line number in the run's dagmaker.rc. */
  line: number;
}

/** Per-exposure state shown by the `progress` query. */
export type ExposureState =
  | 'waiting'
  | 'making-dag'
  | 'submitting'
  | 'waiting-for-proxy'
  | 'waiting-for-jobsub'
  | 'waiting-for-database'
  | 'waiting-for-worker'
  | 'submitted'
  | 'failed'
  | 'cancelled';
export const EXPOSURE_STATES: readonly ExposureState[] = [
  'waiting',
  'making-dag',
  'submitting',
  'waiting-for-proxy',
  'waiting-for-jobsub',
  'waiting-for-database',
  'waiting-for-worker',
  'submitted',
  'failed',
  // Never started or never finished in a run that was cancelled (what manifest.json says too).
  'cancelled',
];

export type Phase =
  | 'validating'
  | 'allocating-season'
  | 'preparing'
  | 'sourcing-environment'
  | 'waiting-for-environment'
  | 'processing'
  | 'writing-output'
  | 'post-processing'
  | 'done'
  | 'cancelled'
  | 'failed';

export interface Progress {
  workflowId: string;
  phase: Phase;
  season?: number;
  total: number;
  counts: Record<ExposureState, number>;
  /** What the run waits for, and what a person should do (e.g. renew the proxy, fix cvmfs), or that the site is down. */
  waitingFor?: { what: WaitingFor; message: string; since: string };
  /** How many times the run continued as new (a long run keeps its history small). */
  continuedAsNew: number;
  /** Why the run failed, on one line, and the command that fits (set just before it ends failed). */
  failure?: { reason: string; next: string };
  exposures: {
    expnum: number;
    band?: string;
    state: ExposureState;
    jobId?: string;
    error?: string;
    resumed?: boolean;
    recovered?: boolean;
    /** What DAGMaker warned of the exposure (e.g. `NO TEMPLATE IMAGES, DIFFIMG WILL FAIL`), once its child reported. */
    warnings?: string[];
    /** In its quick retries: `attempt 3 of 6: <the last failure>` (cleared when it moves on). */
    note?: string;
  }[];
}
