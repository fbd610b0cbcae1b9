/**
 * How a run carries its exposures' results across continue-as-new, and hands a long list to
 * writeOutputs: packed, so that every payload stays far under Temporal's 2 MB limit however many
 * exposures fail and however long their errors. A result packs to a short array; its error is kept
 * only when the run is small enough to afford it (the whole error stays in the exposure's
 * failed_EXPNUM.json, where manifest.json reads it). Imported by workflow code: pure.
 */
import type { ExposureResult } from './contract.js';
import { errorForHistory } from './failures.js';

/** An exposure's result without its file paths (they follow from the run directory). */
export type PathlessResult = Omit<ExposureResult, 'workDir' | 'dagFile' | 'dagmakerOutFile' | 'submitOutFile'>;

/** [expnum, band, nite, flags, jobId or error or '', attempts of DAGMaker, of submission, ms of DAGMaker, of submission, in all, warnings] */
export type PackedResult = [number, string, string, number, string, number, number, number, number, number, string[]];

const SUBMITTED = 1;
const CANCELLED = 2;
const RESUMED = 4;
const RECOVERED = 8;

export function packResult(r: PathlessResult, keepError: boolean): PackedResult {
  const flags =
    (r.status === 'submitted' ? SUBMITTED : 0) |
    (r.status === 'cancelled' ? CANCELLED : 0) |
    (r.resumed ? RESUMED : 0) |
    (r.recovered ? RECOVERED : 0);
  const text = r.status === 'submitted' ? (r.jobId ?? '') : keepError && r.error ? errorForHistory(r.error) : '';
  const { attempts, durationsMs: ms } = r;
  return [
    r.expnum,
    r.band,
    r.nite,
    flags,
    text,
    attempts.dagmaker,
    attempts.submit,
    ms.dagmaker ?? -1,
    ms.submit ?? -1,
    ms.total,
    r.warnings,
  ];
}

export function unpackResult([
  expnum,
  band,
  nite,
  flags,
  text,
  dagmaker,
  submit,
  dagMs,
  submitMs,
  total,
  warnings,
]: PackedResult): PathlessResult {
  const status = flags & SUBMITTED ? 'submitted' : flags & CANCELLED ? 'cancelled' : 'failed';
  const r: PathlessResult = {
    expnum,
    band,
    nite,
    status,
    warnings,
    attempts: { dagmaker, submit },
    durationsMs: { total },
  };
  if (dagMs >= 0) r.durationsMs.dagmaker = dagMs;
  if (submitMs >= 0) r.durationsMs.submit = submitMs;
  if (status === 'submitted') r.jobId = text;
  else if (text !== '') r.error = text;
  if (flags & RESUMED) r.resumed = true;
  if (flags & RECOVERED) r.recovered = true;
  return r;
}
