/** Inputs and results of the post-processing activities, shared with the workflow (types only). */
import type { ExposureVerdict, GridFinish, TriggerFacts, VerdictSummary } from '../common/post-processing-contract.js';
import type { NoCandidatesCause, PostprocOutputs } from '../common/postproc-page.js';

export interface PostExposure {
  expnum: number;
  band: string;
  nite: string;
  jobId?: string;
  /** What DAGMaker warned of it, when its run said (known warnings only): a failed verdict names it. */
  warnings?: string[];
  /** When its DAG was submitted (the run's submission record), when known: an older RUNEND is an earlier DAG's. */
  submittedAt?: string;
}

/** A post-processing's input, checked and resolved against the worker's settings before anything waits. */
export interface ResolvedPostProcessing {
  season: number;
  exposures: PostExposure[];
  /** The DES bands of the exposures, in order of first appearance. */
  bands: string[];
  trigger: TriggerFacts;
  postProcessingDir: string;
  outputDir: string;
  pnfsRoot: string;
  minCompleteCcds: number;
  gridDeadlineHours: number;
  /** A requested --SKIPTO, or null: decided from the output directory when it runs. */
  skipTo: number | null;
  /** The image-processing run's environment, when known: jobsub_q is asked with it. */
  envFile?: string;
  /** Seconds between looks for RUNEND markers, and between jobsub_q calls (at least 60). */
  pollS: number;
  jobsubQEveryS: number;
  /** A long wait continues as new past this many events (the site's DESGW_HISTORY_EVENT_LIMIT). */
  historyEventLimit?: number;
  /** How a legacy output.txt was read: its items' form, what its line 3 was, where the NITEs came from. */
  outputTxt?: {
    items: 'plain' | 'python-quoted';
    line3: 'nites' | 'propid' | 'empty' | 'unrecognised';
    propid?: string;
    nites: 'line 3' | 'exposures.list';
  };
  /** What a person should know about how the input was read (e.g. a PROPID on output.txt's line 3). */
  warnings?: string[];
}

export interface CheckGridInput {
  season: number;
  pnfsRoot: string;
  /** The exposures still on the grid, column by column (what 5,000 of them cost in history stays small). */
  pending?: PendingColumns;
  /** The same, one object per exposure: input scheduled by older workflow code. */
  exposures?: PostExposure[];
  /** Ask jobsub_q this time (the workflow paces it to at most once a minute). */
  askQueue: boolean;
  envFile?: string;
}

export interface CheckGridResult {
  finished: { expnum: number; how: GridFinish }[];
  /** /pnfs entries looked at (one stat per exposure still pending). */
  pnfsReads: number;
  jobsubQCalls: number;
  /** Why jobsub_q could not be believed this time, if it could not (nothing is concluded from it then). */
  queueProblem?: string;
  /** Exposures whose RUNEND is older than their DAG's submission (an earlier DAG's): not counted. */
  staleRunEnds?: number[];
  /** Stats abandoned after DESGW_PNFS_TIMEOUT_S (those exposures count as still running). */
  pnfsTimeouts?: number;
}

/** Exposures still on the grid, a column per fact (null where it is not known). */
export interface PendingColumns {
  expnums: number[];
  nites: string[];
  jobIds: (string | null)[];
  /** When each DAG was submitted, in ms since the epoch. */
  submittedMs: (number | null)[];
}

/** Exposures to judge, a column per fact. */
export interface JudgeColumns {
  expnums: number[];
  bands: string[];
  nites: string[];
  /** How each DAG is known to have finished, or null: it had not. */
  finished: (GridFinish | null)[];
  /** When each DAG was submitted (ms since the epoch), null where not known: an earlier DAG's files do not count. */
  submittedMs?: (number | null)[];
  /** DAGMaker's main warning (known warnings only), each with the exposures it was given for. */
  warned?: { warning: string; expnums: number[] }[];
}

export interface JudgeExposuresInput {
  season: number;
  pnfsRoot: string;
  minCompleteCcds: number;
  /** The exposures, column by column. */
  columns?: JudgeColumns;
  /** The same, one object per exposure: input scheduled by older workflow code. */
  exposures?: (PostExposure & { finished: GridFinish | null })[];
  /** Where verdicts.json goes (the output directory). Absent in older input: the result then carries the verdicts. */
  outputDir?: string;
}

/** What judging tells history: the summary; every verdict is in `summary.file`. */
export interface JudgedExposures {
  summary: VerdictSummary;
  pnfsReads: number;
  /** Listings abandoned after DESGW_PNFS_TIMEOUT_S. */
  pnfsTimeouts: number;
  /** Exposures an earlier attempt had judged (its heartbeat), not judged again. */
  resumedAt?: number;
}

/** What judging told history before verdicts.json (older histories' results, and older input's). */
export interface JudgedVerdicts {
  verdicts: ExposureVerdict[];
  pnfsReads: number;
}

export type JudgeExposuresResult = JudgedExposures | JudgedVerdicts;

export interface WritePostprocInputsInput {
  workflowId: string;
  season: number;
  expnums: number[];
  bands: string[];
  trigger: TriggerFacts;
  postProcessingDir: string;
  outputDir: string;
  /** Where the run's grid jobs wrote (/pnfs/des/${DESTCACHE}/${SCHEMA}): `[general] rootdir`; absent, the template's is kept. */
  rootdir?: string;
}

export interface PostprocInputs {
  /** In the output directory (the run's record) and their copies' names in the checkout. */
  listFile: string;
  iniFile: string;
  listName: string;
  iniName: string;
}

export interface RunPostprocInput {
  workflowId: string;
  season: number;
  postProcessingDir: string;
  outputDir: string;
  inputs: PostprocInputs;
  skipTo: number | null;
}

export interface RunPostprocResult {
  outcome: 'success' | 'no-candidates';
  reason: string;
  masterHtml?: string;
  /** What the output directory holds that operators use, counted. */
  outputs?: PostprocOutputs;
  /** With no candidates: which cause run_postproc.py's output showed. */
  noCandidates?: { cause: NoCandidatesCause; said: string };
  logFile: string;
  skipTo: number | null;
  /** Why that --SKIPTO (or none), in a sentence. */
  skipReason?: string;
  /** What was moved aside in the output directory before the pass (an earlier pass, its data files). */
  movedAside?: string[];
  durationMs: number;
}
