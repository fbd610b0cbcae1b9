/**
 * The public contract of event campaigns: one `eventCampaign` workflow per GW event, which takes
 * exposures as the telescope makes them (from SISPI's exposure table, or `addExposures`), processes
 * each one under the season it reserved once for all the event's nights, runs post-processing in
 * passes, and on `closeCampaign` finishes what it holds and writes the event's output.txt and
 * manifest.json. Types and constants only (workflow code imports it).
 */
import type { ExposureState, RcChange } from './contract.js';

export const EVENT_CAMPAIGN_WORKFLOW_TYPE = 'eventCampaign';

/** The id `desgw event` gives the campaign of a trigger (started with reject-duplicate). */
export function campaignWorkflowId(triggerId: string): string {
  return `desgw-event-${triggerId}`;
}

/**
 * When a post-processing pass runs: when none is running and, of the exposures whose DAGs have
 * finished on the grid, at least `minNew` are new since the last pass, or a `growth` share more than
 * the last pass had, or one is new and has waited `staleAfterMinutes`.
 */
export interface PassPolicy {
  minNew?: number;
  growth?: number;
  staleAfterMinutes?: number;
}
export const DEFAULT_PASS_POLICY: Required<PassPolicy> = { minNew: 10, growth: 0.25, staleAfterMinutes: 60 };

export interface CampaignPostProcessing {
  /** The Post-Processing checkout; default `Post-Processing/` beside the gw_workflow directory. */
  postProcessingDir?: string;
  /** CCDs an exposure needs complete (default 50 of 59). */
  minCompleteCcds?: number;
  passPolicy?: PassPolicy;
  /** After closeCampaign, how long to wait for the grid before the last pass (default 12). */
  gridDeadlineHours?: number;
}

/** Input of `eventCampaign`, as JSON (startable with `temporal workflow start --input '{…}'`). */
export interface EventCampaignInput {
  /** The GW trigger id, e.g. `S240511i`. */
  triggerId: string;
  /** The trigger's MJD: exposures before it are not the event's. */
  triggerMjd: number;
  /** The semester's DESGW proposal, e.g. `2024A-0001`: exposures of another are not the event's. */
  propid: string;
  /** `"auto"` or a season number: reserved once, held for all the event's nights. */
  season: 'auto' | number;
  gwWorkflowDir?: string;
  rc?: Record<string, string | number | boolean>;
  maxConcurrent?: number;
  /** Watch SISPI's exposure table (the worker's DESGW_EXPOSURE_DB_URL) for the event's exposures. */
  watchDatabase?: boolean;
  /** Run post-processing in passes (a `postProcessing` child each) as exposures finish on the grid. */
  postProcessing?: CampaignPostProcessing;
  /** Where the event's output.txt (the legacy one) goes; default `image_proc_outputs/` beside the gw_workflow directory. */
  outputDir?: string;
}

export interface AddExposuresRequest {
  exposures: number[];
}

export interface AddExposuresAnswer {
  accepted: { expnum: number; nite: string; band: string; warning?: string }[];
  /** Already the campaign's: its state now. */
  duplicates: { expnum: number; state: CampaignExposureState }[];
  refused: { expnum: number; reason: string }[];
}

export interface CloseCampaignRequest {
  reason?: string;
}

export interface CloseCampaignAnswer {
  closedAt: string;
  reason?: string;
  /** True when it was closed already (closing is idempotent). */
  alreadyClosed: boolean;
  /** What it still finishes: exposures waiting for their raw image, queued, in DAGMaker or submission. */
  stillToFinish: number;
}

export type CampaignExposureState = 'waiting-for-raw-image' | 'queued' | ExposureState | 'grid-finished';

export interface CampaignExposure {
  expnum: number;
  nite: string;
  band: string;
  state: CampaignExposureState;
  /** How it came: the exposure table's watcher, or addExposures. */
  via: 'watcher' | 'added';
  /** When the campaign first saw it (the watcher's poll, or the Update). */
  seenAt: string;
  /** When its raw image was found at Fermilab: processable from then. */
  processableAt?: string;
  /** When its child started (DAGMaker's first attempt is its first step), and the latency from processable. */
  dagmakerStartedAt?: string;
  latencyMs?: number;
  jobId?: string;
  submittedAt?: string;
  gridFinishedAt?: string;
  error?: string;
  warning?: string;
}

export interface CampaignPass {
  id: string;
  exposures: number;
  outcome: 'running' | 'success' | 'no-candidates' | 'failed';
  page?: string;
  outputDir?: string;
  error?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface CampaignWatcher {
  database: 'not-watched' | 'watching' | 'waiting-for-database';
  /** The highest exposure id seen: the next poll asks for rows after it. */
  cursor: number;
  rowsSeen: number;
  polls: number;
  lastPollAt?: string;
  /** How old the newest row was when it was seen (the copy's lag behind the mountain, and the poll's). */
  visibilityLagS?: number;
  message?: string;
}

export type CampaignPhase = 'setting-up' | 'open' | 'closing' | 'final-pass' | 'done' | 'failed' | 'cancelled';

export interface CampaignProgress {
  workflowId: string;
  triggerId: string;
  propid: string;
  season?: number;
  phase: CampaignPhase;
  closed?: { at: string; reason?: string };
  counts: Partial<Record<CampaignExposureState, number>>;
  nights: { nite: string; exposures: CampaignExposure[] }[];
  watcher: CampaignWatcher;
  passes: CampaignPass[];
  /** The stable path of the newest successful pass's page. */
  latestPage?: string;
  /** What it waits for (the database, the worker, the environment, a proxy), when it does. */
  waitingFor?: { what: string; message: string; since: string };
  continuedAsNew: number;
  failure?: { reason: string; next: string };
}

export interface EventCampaignResult {
  workflowId: string;
  triggerId: string;
  season: number;
  runDir: string;
  nites: string[];
  counts: { total: number; submitted: number; failed: number; gridFinished: number };
  /** The event's output.txt and manifest.json (in the campaign's directory), and the legacy output.txt. */
  outputFiles: { outputTxt: string; manifest: string; latestOutputTxt?: string };
  rcChanges: RcChange[];
  passes: CampaignPass[];
  latestPage?: string;
  closedBecause?: string;
  startedAt: string;
  finishedAt: string;
}
