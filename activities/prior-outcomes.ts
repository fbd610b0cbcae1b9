/**
 * `priorOutcomes`: what an earlier run of the same id left beside each exposure's files: a
 * submission record with a job id (submitted: not made or submitted again) or a failure record
 * (failed for good: left alone unless the resume says retryFailed).
 */
import { errorForHistory } from '../common/failures.js';
import { exposureFiles } from '../common/run-files.js';
import { readFailureRecord } from './support/failure-record.js';
import { readSubmissionRecord } from './support/submission-record.js';

export interface PriorOutcomes {
  submitted: { expnum: number; jobId: string }[];
  failed: { expnum: number; error: string }[];
}

export async function priorOutcomes({
  runDir,
  expnums,
}: {
  runDir: string;
  expnums: number[];
}): Promise<PriorOutcomes> {
  const out: PriorOutcomes = { submitted: [], failed: [] };
  for (const expnum of expnums) {
    const files = exposureFiles(expnum, runDir);
    const record = await readSubmissionRecord(files.submissionRecord);
    if (record?.jobId) {
      out.submitted.push({ expnum, jobId: record.jobId });
      continue;
    }
    const error = await readFailureRecord(files.failureRecord);
    if (error !== null) out.failed.push({ expnum, error: errorForHistory(error) });
  }
  return out;
}
