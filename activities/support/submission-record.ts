/**
 * The submission record beside an exposure's files, `submission_EXPNUM.json`: the intent, written
 * and flushed to disk before jobsub_submit_dag runs, then how the command ended (the job id, or
 * that it failed). It is what makes a retry, a resumed run or a restarted worker submit nothing
 * twice (see submit-dag.ts).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exposureFiles } from '../../common/run-files.js';
import { writeAtomically } from './atomic-file.js';

export interface SubmissionRecord {
  expnum: number;
  intentAt: string;
  attempt: number;
  jobId?: string;
  submittedAt?: string;
  /** How the job id was learnt: from the command's output, or after a crash from that output or jobsub_q. */
  source?: 'submit' | 'output' | 'jobsub_q';
  /** The command ended without a job id: nothing was submitted, a retry may submit again. */
  failedAt?: string;
  command?: string[];
  commandFrom?: string;
}

export async function readSubmissionRecord(file: string): Promise<SubmissionRecord | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as SubmissionRecord);
}

/** Writes the record whole, flushed to disk with its directory: it must outlive a crash of the machine. */
export async function saveSubmissionRecord(file: string, record: SubmissionRecord): Promise<void> {
  await writeAtomically(file, JSON.stringify(record), 0o664, { durable: true });
}

/** Job ids the runs under `runsDir` recorded since `since` (less a slack): those DAGs are accounted for. */
export async function recordedJobIds(runsDir: string, since: Date): Promise<Set<string>> {
  const out = new Set<string>();
  const after = since.getTime() - 10 * 60_000;
  for (const run of await readdir(runsDir).catch(() => [] as string[])) {
    const runDir = join(runsDir, run);
    for (const dir of (await readdir(runDir).catch(() => [] as string[])).filter((d) => d.startsWith('exp_'))) {
      const file = exposureFiles(Number(dir.slice(4)), runDir).submissionRecord;
      if (
        (await stat(file).then(
          (st) => st.mtimeMs,
          () => 0,
        )) < after
      )
        continue;
      const jobId = (await readSubmissionRecord(file).catch(() => null))?.jobId;
      if (jobId) out.add(jobId);
    }
  }
  return out;
}
