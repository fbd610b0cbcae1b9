/**
 * Inputs and results of the activities event campaigns use on the DES machine: watching SISPI's
 * exposure table, looking exposures up, waiting for their raw images, and growing a run's own
 * exposures.list. Workflow code imports these types only.
 */
import type { ExposureRow } from '../common/exposure-admission.js';

export type { ExposureRow } from '../common/exposure-admission.js';

export interface WatchExposureTableInput {
  propid: string;
  triggerMjd: number;
  /** Rows with a larger id only: the last exposure number the campaign has seen (0 at first). */
  afterId: number;
  /** Return with no rows after this long without any. */
  maxWaitS: number;
}

export interface WatchExposureTableResult {
  /** New rows of the campaign, by id (at most 1,000 at once). */
  rows: ExposureRow[];
  /** The largest id returned, else afterId: the next call's afterId. */
  cursor: number;
  /** Queries this attempt made. */
  polls: number;
  /** When the last query was answered (ISO UTC). */
  lastPollAt: string;
  /** Seconds between the newest row's shutter opening and its return: the database copy's lag plus the poll's. */
  newestRowAgeS?: number;
}

/** What watchExposureTable heartbeats, and resumes from on a retry. */
export interface WatchHeartbeat {
  cursor: number;
  polls: number;
}

export interface LookupExposuresInput {
  expnums: number[];
}

export interface LookupExposuresResult {
  rows: ExposureRow[];
  /** Exposure numbers found nowhere (the database, or exposures.list after one refresh). */
  missing: number[];
}

export interface WaitForRawImagesInput {
  exposures: { expnum: number; nite: string }[];
  maxWaitS: number;
}

export interface WaitForRawImagesResult {
  /** The exposures whose raw image is there, where, and when this activity first saw it. */
  present: { expnum: number; path: string; seenAt: string }[];
}

export interface AppendToRunListInput {
  /** A run directory made by prepareRun, under the worker's runs directory. */
  runDir: string;
  rows: ExposureRow[];
}

export interface AppendToRunListResult {
  appended: number[];
  alreadyThere: number[];
}
