/**
 * `submitDag`: submits the DAG DAGMaker wrote, from the exposure's working directory (its jobs
 * reference `file://SEdiff.sh` etc. relative to it), output to `dag_submission_EXPNUM.out`, and
 * returns the job id jobsub printed.
 *
 * Exactly once: an intent is recorded in `submission_EXPNUM.json` before the command runs and the
 * job id after it. A retry that finds a job id returns it; one that finds only an intent (the
 * worker died in between) looks for the DAG in `jobsub_q` before submitting again.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { execa } from 'execa';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { classifySubmitFailure, parseJobId } from '../common/classify.js';
import { findSubmittedDag, parseJobsubQ } from '../common/jobsub-q.js';
import { submitCommandFor } from '../common/submit-command.js';
import { writeAtomically } from './prepare-run.js';
import { ensureProxy, proxyExpired, type ProxyOptions } from './proxy.js';
import { runLogged } from './run-logged.js';
import { loadEnvironment } from './site-environment.js';
import type { SubmitDagInput, SubmitDagResult } from './types.js';

export interface SubmitOptions extends ProxyOptions {
  heartbeatEveryS: number;
  submitCommand: string[] | null;
}

interface SubmissionRecord {
  expnum: number;
  intentAt: string;
  attempt: number;
  jobId?: string;
  submittedAt?: string;
  /** How the job id was learnt: from jobsub_submit_dag's output, or found in jobsub_q after a crash. */
  source?: 'submit' | 'jobsub_q';
  command?: string[];
  commandFrom?: string;
}

export function submissionRecordFile(workDir: string, expnum: number): string {
  return join(workDir, `submission_${expnum}.json`);
}

export async function readSubmissionRecord(workDir: string, expnum: number): Promise<SubmissionRecord | null> {
  const text = await readFile(submissionRecordFile(workDir, expnum), 'utf8').catch(() => null);
  return text === null ? null : (JSON.parse(text) as SubmissionRecord);
}

export async function submitDagWith(o: SubmitOptions, input: SubmitDagInput): Promise<SubmitDagResult> {
  const { expnum, workDir } = input;
  const attempt = Context.current().info.attempt;
  const env = await loadEnvironment(input.envFile);
  const outFile = join(workDir, `dag_submission_${expnum}.out`);
  const recordFile = submissionRecordFile(workDir, expnum);

  const record = await readSubmissionRecord(workDir, expnum);
  if (record?.jobId) return { jobId: record.jobId, outFile, durationMs: 0, attempt, recovered: true };
  if (record) {
    const found = await lookInQueue(env, workDir, expnum, new Date(record.intentAt));
    if (found) {
      log.warn('submission found in jobsub_q after an unrecorded outcome', { expnum, jobId: found });
      await writeAtomically(recordFile, JSON.stringify({ ...record, jobId: found, submittedAt: new Date().toISOString(), source: 'jobsub_q' }));
      return { jobId: found, outFile, durationMs: 0, attempt, recovered: true };
    }
  }

  await ensureProxy(o, env, workDir);
  const { file, args, from } = submitCommandFor(expnum, o.submitCommand, input.recommendedSubmit);
  const intent: SubmissionRecord = { expnum, intentAt: new Date().toISOString(), attempt, command: [file, ...args], commandFrom: from };
  await writeAtomically(recordFile, JSON.stringify(intent));
  const r = await runLogged({
    file,
    args,
    cwd: workDir,
    env,
    outFile,
    pidFile: join(workDir, '.submit.pid'),
    timeoutS: 300,
    heartbeatEveryS: o.heartbeatEveryS,
    label: `submit ${expnum}`,
  });
  const jobId = r.exitCode === 0 ? parseJobId(r.output) : null;
  if (jobId) {
    await writeAtomically(recordFile, JSON.stringify({ ...intent, jobId, submittedAt: new Date().toISOString(), source: 'submit' }));
    return { jobId, outFile, durationMs: r.durationMs, attempt, recovered: false };
  }
  if (r.exitCode === 0) {
    throw ApplicationFailure.create({ type: 'SubmitTransient', message: `jobsub_submit_dag exited 0 but printed no job id; see ${outFile}`, details: [{ attempt }] });
  }
  const c = classifySubmitFailure(r.exitCode, r.output);
  if (c.kind === 'proxy') throw proxyExpired(`submission of ${expnum}: ${c.reason} (see ${outFile})`);
  throw ApplicationFailure.create({
    type: c.kind === 'permanent' ? 'SubmitPermanent' : 'SubmitTransient',
    message: `submission of ${expnum}: ${c.reason} (see ${outFile})`,
    nonRetryable: c.kind === 'permanent',
    details: [{ attempt }],
  });
}

async function lookInQueue(env: Record<string, string>, cwd: string, expnum: number, since: Date): Promise<string | null> {
  const r = await execa('jobsub_q', ['-G', 'des', '--user', env.USER ?? ''], { env, extendEnv: false, cwd, reject: false, all: true, timeout: 120_000 });
  if (r.exitCode !== 0) {
    // Without the queue we cannot know: submitting again might duplicate, so retry later instead.
    throw ApplicationFailure.create({ type: 'SubmitTransient', message: `jobsub_q failed (exit ${r.exitCode}) while checking whether ${expnum} was already submitted: ${(r.all ?? '').trim().split('\n').pop()}` });
  }
  return findSubmittedDag(parseJobsubQ(r.stdout), expnum, since)?.jobId ?? null;
}
