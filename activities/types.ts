/** Inputs and results of the activities, shared with the workflows (types only). */
import type { Exposure, ImageProcessingInput, ImageProcessingResult, RcChange } from '../common/contract.js';
import type { PackedResult } from '../common/outcome-codec.js';
import type { EventCampaignInput } from '../common/campaign-contract.js';
import type { RunTiming } from '../common/settings.js';

export interface ValidateRunInput extends ImageProcessingInput {
  workflowId: string;
  /** The run's first execution (workflowInfo().firstExecutionRunId): tells a retry or reset of this run from a new one. */
  firstExecutionRunId?: string;
}

/** Everything a run needs, checked and resolved before anything is written. */
export interface ValidatedRun {
  listFile: string;
  gwWorkflowDir: string;
  outputDir: string;
  /** Where this run's directory (its dagmaker.rc, environment, per-exposure working dirs) goes. */
  runDir: string;
  exposures: Exposure[];
  duplicatesDropped: number[];
  rc: Record<string, string>;
  maxConcurrent: number;
  /** DAGMaker.sh or DAGMaker_proxyuser.sh. */
  dagmakerScript: string;
  /** Whether exposures.list was refreshed with getExposureInfo.sh to find listed exposures. */
  refreshedExposures: boolean;
  /** How the run paces retries, re-checks and continue-as-new (the site's settings; absent in runs from before). */
  timing?: RunTiming;
  /** A resume: what the run's directory records of it (run.json), when it does. */
  recorded?: { season: number; rcChanges: RcChange[] };
}

export interface ReserveSeasonInput {
  owner: string;
  requested: 'auto' | number;
  /** The run's directory: its season.json records the season (absent in runs from before). */
  runDir?: string;
}

export interface PrepareRunInput {
  gwWorkflowDir: string;
  runDir: string;
  season: number;
  rc: Record<string, string>;
  /** The run's exposures: its snapshot of exposures.list must hold them. */
  expnums?: number[];
  /** Who makes the run directory (its marker, run.json). */
  workflowId?: string;
  firstExecutionRunId?: string;
  /** What run.json records of the run for a resume to be checked against (absent in runs from before). */
  listFile?: string;
  requestedSeason?: 'auto' | number;
}

export interface PreparedRun {
  rcFile: string;
  rcDiffFile: string;
  rcChanges: RcChange[];
  /** Per-exposure working directories are `${runDir}/exp_${expnum}`. */
  runDir: string;
}

export interface SourceEnvironmentInput {
  gwWorkflowDir: string;
  runDir: string;
}

/** What reaches history of the environment: where it is kept and a redacted summary, never the values. */
export interface SourcedEnvironment {
  /** JSON file (mode 600) on the worker host holding the captured environment. */
  envFile: string;
  variableCount: number;
  jobsubSubmitDag: string;
  durationMs: number;
}

export interface MakeDagInput {
  expnum: number;
  workDir: string;
  envFile: string;
  script: string;
}

export interface MakeDagResult {
  dagFile: string;
  outFile: string;
  warnings: string[];
  /** The submit command DAGMaker recommends in mytemp_EXPNUM/DAGMaker.DONE. */
  recommendedSubmit: string;
  durationMs: number;
  attempt: number;
}

export interface SubmitDagInput {
  expnum: number;
  workDir: string;
  envFile: string;
  /** The submit command DAGMaker recommended (DAGMaker.DONE), used unless the worker configures one. */
  recommendedSubmit?: string;
}

export interface SubmitDagResult {
  jobId: string;
  outFile: string;
  durationMs: number;
  attempt: number;
  /** True when an earlier attempt had submitted it (found in the submission record or jobsub_q). */
  recovered: boolean;
}

export interface WriteOutputsInput {
  outputDir: string;
  runDir: string;
  /** The result, its exposures without file paths (and empty when `packed` carries them). */
  result: ImageProcessingResult;
  /** A long run's exposures, packed (common/outcome-codec.ts): the input stays far under the payload limit. */
  packed?: PackedResult[];
}

/** validateCampaign's input: the campaign's, and who it is. */
export interface ValidateCampaignInput extends EventCampaignInput {
  workflowId: string;
  firstExecutionRunId?: string;
}

/** Everything an event campaign needs, checked and resolved before anything is written. */
export interface ValidatedCampaign {
  gwWorkflowDir: string;
  outputDir: string;
  /** The campaign's directory: its dagmaker.rc, its own exposures.list, each exposure's working dir. */
  runDir: string;
  rc: Record<string, string>;
  maxConcurrent: number;
  dagmakerScript: string;
  timing: RunTiming;
  /** How often the watcher polls the exposure table (the worker's DESGW_EXPOSURE_POLL_S). */
  pollS: number;
}
