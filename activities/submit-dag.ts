/**
 * `submitDag`: submits the DAG DAGMaker wrote, from the exposure's working directory (its jobs
 * reference `file://SEdiff.sh` etc. relative to it), output to `dag_submission_EXPNUM.out`, and
 * returns the job id jobsub printed.
 *
 * Exactly once: an intent is recorded in `submission_EXPNUM.json` (flushed to disk) before the
 * command runs, and after it how it ended: the job id, or that it failed. A retry that finds a job
 * id returns it; one that finds a failed end submits again. One that finds only an intent (the
 * worker died in between) reads the job id from the earlier command's output, else looks in
 * `jobsub_q`, where jobsub_lite shows no DAG's name: it submits again only when no DAG submitted
 * since the intent is unaccounted for by the job ids the runs have recorded.
 */
import { ApplicationFailure, CancelledFailure, Context, log } from '@temporalio/activity';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { classifySubmitFailure, parseJobId } from '../common/classify.js';
import { Failure } from '../common/failures.js';
import { lookForDag } from '../common/jobsub-q.js';
import { submitCommandFor } from '../common/submit-command.js';
import { exposureFiles, runDirOf } from '../common/run-files.js';
import { listQueue } from './support/jobsub-queue.js';
import { ensureProxy, type ProxyOptions } from './support/proxy.js';
import { toolFailure, type ToolFailureTypes } from './support/tool-failure.js';
import { awaitLeftover, runLogged } from './support/run-logged.js';
import { loadEnvironment } from './support/site-environment.js';
import {
  readSubmissionRecord,
  recordedJobIds,
  saveSubmissionRecord,
  type SubmissionRecord,
} from './support/submission-record.js';
import type { SubmitDagInput, SubmitDagResult } from './types.js';

/** A submission still running after this long is killed (then retried: the record says what to do). */
const SUBMIT_TIMEOUT_S = 300;

export interface SubmitOptions extends ProxyOptions {
  heartbeatEveryS: number;
  submitCommand: string[] | null;
}

export async function submitDagWith(o: SubmitOptions, input: SubmitDagInput): Promise<SubmitDagResult> {
  const { expnum, workDir } = input;
  const attempt = Context.current().info.attempt;
  const env = await loadEnvironment(input.envFile);
  const {
    submitOutFile: outFile,
    submissionRecord: recordFile,
    submitPid: pidFile,
  } = exposureFiles(expnum, runDirOf(workDir));
  const save = (r: SubmissionRecord) => saveSubmissionRecord(recordFile, r);

  // A submission an earlier attempt left running (its worker died) is let finish: its output is the answer.
  await awaitLeftover(pidFile, SUBMIT_TIMEOUT_S);
  const record = await readSubmissionRecord(recordFile);
  if (record?.jobId) return { jobId: record.jobId, outFile, durationMs: 0, attempt, recovered: true };
  if (record && !record.failedAt) {
    const found = (await jobIdInEarlierOutput(outFile, record)) ?? (await lookInQueue(o, env, workDir, expnum, record));
    if (found) {
      log.warn('submission found after an unrecorded outcome', { expnum, jobId: found.jobId, source: found.source });
      await save({ ...record, ...found, submittedAt: new Date().toISOString() });
      return { jobId: found.jobId, outFile, durationMs: 0, attempt, recovered: true };
    }
  }

  await ensureProxy(o, env, workDir);
  const { file, args, from } = submitCommandFor(expnum, o.submitCommand, input.recommendedSubmit);
  const intent: SubmissionRecord = {
    expnum,
    intentAt: new Date().toISOString(),
    attempt,
    command: [file, ...args],
    commandFrom: from,
  };
  await save(intent);
  const r = await runLogged({
    file,
    args,
    cwd: workDir,
    env,
    outFile,
    pidFile,
    timeoutS: SUBMIT_TIMEOUT_S,
    heartbeatEveryS: o.heartbeatEveryS,
    label: `submit ${expnum}`,
  });
  if (r.killed === 'cancelled') throw new CancelledFailure(`submission of ${expnum} was cancelled and killed`);
  if (r.killed === 'shutdown') {
    // The next attempt finds the intent and looks in the queue before submitting again.
    throw ApplicationFailure.create({
      type: Failure.WorkerShutdown,
      nonRetryable: true,
      message: `submission of ${expnum} was stopped by the worker's shutdown`,
      details: [{ attempt }],
    });
  }
  const jobId = r.exitCode === 0 ? parseJobId(r.output) : null;
  if (jobId) {
    await save({ ...intent, jobId, submittedAt: new Date().toISOString(), source: 'submit' });
    return { jobId, outFile, durationMs: r.durationMs, attempt, recovered: false };
  }
  // No job id is the failure, whatever the exit code: jobsub_lite exits 0 when condor_submit fails.
  // Unless condor made a cluster before failing (e.g. "Failed to spool job files"): then the retry looks in the queue.
  if (!/job\(s\) submitted to cluster \d+/.test(r.output))
    await save({ ...intent, failedAt: new Date().toISOString() });
  const c = classifySubmitFailure(r.exitCode, r.output);
  throw await toolFailure(o, env, workDir, c, JOBSUB_FAILURES, `submission of ${expnum}`, attempt, outFile);
}

/** jobsub's failures by kind; a proxy complaint the proxy check contradicts is taken for a jobsub problem. */
const JOBSUB_FAILURES: ToolFailureTypes = {
  permanent: Failure.SubmitPermanent,
  transient: Failure.SubmitTransient,
  outage: Failure.JobsubUnavailable,
  otherwise: Failure.JobsubUnavailable,
};

/** The job id an earlier attempt's command printed, if that command ran to the end after the intent was recorded. */
async function jobIdInEarlierOutput(
  outFile: string,
  record: SubmissionRecord,
): Promise<{ jobId: string; source: 'output' } | null> {
  const written = await stat(outFile).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (written < Date.parse(record.intentAt)) return null;
  const jobId = parseJobId(await readFile(outFile, 'utf8').catch(() => ''));
  return jobId ? { jobId, source: 'output' } : null;
}

/**
 * Looks for the DAG in jobsub_q. The proxy is checked first, and jobsub_q's failures are judged
 * like the submission's: without the queue we cannot know, and submitting again might duplicate.
 * When the queue holds jobs since the intent that name no DAG, which could be ours, nothing is
 * submitted blindly: the exposure fails, saying what a person should check.
 */
async function lookInQueue(
  o: SubmitOptions,
  env: Record<string, string>,
  cwd: string,
  expnum: number,
  record: SubmissionRecord,
): Promise<{ jobId: string; source: 'jobsub_q' } | null> {
  const attempt = Context.current().info.attempt;
  await ensureProxy(o, env, cwd);
  const queue = await listQueue(env, cwd);
  // jobsub_q exits 0 when a schedd does not answer: its error lines say the listing is incomplete.
  if ('problem' in queue) {
    const c = classifySubmitFailure(queue.exitCode, queue.output, 'jobsub_q');
    throw await toolFailure(
      o,
      env,
      cwd,
      c,
      JOBSUB_FAILURES,
      `jobsub_q, looking whether ${expnum} was already submitted`,
      attempt,
    );
  }
  const since = new Date(record.intentAt);
  const known = await recordedJobIds(dirname(dirname(cwd)), since);
  const verdict = lookForDag(
    queue.jobs.filter((j) => !known.has(j.jobId)),
    expnum,
    since,
  );
  if (verdict.kind === 'found') return { jobId: verdict.job.jobId, source: 'jobsub_q' };
  if (verdict.kind === 'absent') return null;
  throw ApplicationFailure.create({
    type: Failure.SubmitPermanent,
    nonRetryable: true,
    message:
      `submission of ${expnum} may have reached the grid: it was started at ${record.intentAt} and never recorded, and jobsub_q lists ` +
      `${verdict.jobs.length} DAG(s) since then that it shows without their name (${verdict.jobs
        .map((j) => j.jobId)
        .slice(0, 3)
        .join(', ')}). ` +
      `Check them with jobsub_q -G des --user ${env.USER ?? '$USER'} --long; if none is desgw_pipeline_${expnum}.dag, resume with --retry-failed`,
    details: [{ attempt }],
  });
}
