/** `recordFailure`: an exposure that failed for good leaves its whole error beside its files, for resumed runs and the manifest. */
import { exposureFiles, runDirOf } from '../common/run-files.js';
import { writeFailureRecord } from './support/failure-record.js';

export interface RecordFailureInput {
  workDir: string;
  expnum: number;
  error: string;
}

export async function recordFailure({ workDir, expnum, error }: RecordFailureInput): Promise<void> {
  await writeFailureRecord(exposureFiles(expnum, runDirOf(workDir)).failureRecord, expnum, error);
}
