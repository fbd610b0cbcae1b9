/**
 * What is known, beside each exposure's files, of how it ended: the submission record (written by
 * submitDag) and a failure record (written when the exposure failed for good). A resumed run reads
 * them to submit nothing twice and to leave failed exposures alone unless asked.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorForHistory } from '../common/failures.js';
import { writeAtomically } from './atomic-file.js';
import { readSubmissionRecord } from './submit-dag.js';

export interface RecordFailureInput {
  workDir: string;
  expnum: number;
  error: string;
}

export async function recordFailure({ workDir, expnum, error }: RecordFailureInput): Promise<void> {
  await writeAtomically(failureFile(workDir, expnum), JSON.stringify({ expnum, error, at: new Date().toISOString() }));
}

export interface PriorOutcomes {
  submitted: { expnum: number; jobId: string }[];
  failed: { expnum: number; error: string }[];
}

export async function priorOutcomes({ runDir, expnums }: { runDir: string; expnums: number[] }): Promise<PriorOutcomes> {
  const out: PriorOutcomes = { submitted: [], failed: [] };
  for (const expnum of expnums) {
    const workDir = join(runDir, `exp_${expnum}`);
    const record = await readSubmissionRecord(workDir, expnum);
    if (record?.jobId) {
      out.submitted.push({ expnum, jobId: record.jobId });
      continue;
    }
    const error = await recordedFailure(workDir, expnum);
    if (error !== null) out.failed.push({ expnum, error: errorForHistory(error) });
  }
  return out;
}

/** The whole error recorded when the exposure failed for good, if it did. */
export async function recordedFailure(workDir: string, expnum: number): Promise<string | null> {
  const text = await readFile(failureFile(workDir, expnum), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as { error: string }).error;
}

function failureFile(workDir: string, expnum: number): string {
  return join(workDir, `failed_${expnum}.json`);
}
