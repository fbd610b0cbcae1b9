/**
 * `submitDag`: submits the DAG DAGMaker wrote, from the exposure's working directory (its jobs
 * reference `file://SEdiff.sh` etc. relative to it), output to `dag_submission_EXPNUM.out`, and
 * returns the job id jobsub printed.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { join } from 'node:path';
import { classifySubmitFailure, parseJobId } from '../common/classify.js';
import { runLogged } from './run-logged.js';
import { loadEnvironment } from './site-environment.js';
import type { SubmitDagInput, SubmitDagResult } from './types.js';

export interface SubmitOptions {
  heartbeatEveryS: number;
}

/** The command of the legacy automation, as a file and its arguments. */
export function submitCommand(expnum: number): { file: string; args: string[] } {
  return { file: 'jobsub_submit_dag', args: ['-G', 'des', '--role=DESGW', `file://desgw_pipeline_${expnum}.dag`] };
}

export async function submitDagWith(o: SubmitOptions, input: SubmitDagInput): Promise<SubmitDagResult> {
  const { expnum, workDir } = input;
  const attempt = Context.current().info.attempt;
  const env = await loadEnvironment(input.envFile);
  const outFile = join(workDir, `dag_submission_${expnum}.out`);
  const { file, args } = submitCommand(expnum);
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
  if (jobId) return { jobId, outFile, durationMs: r.durationMs, attempt };
  if (r.exitCode === 0) {
    throw ApplicationFailure.create({ type: 'SubmitTransient', message: `jobsub_submit_dag exited 0 but printed no job id; see ${outFile}`, details: [{ attempt }] });
  }
  const c = classifySubmitFailure(r.exitCode, r.output);
  throw ApplicationFailure.create({
    type: c.kind === 'permanent' ? 'SubmitPermanent' : c.kind === 'proxy' ? 'ProxyExpired' : 'SubmitTransient',
    message: `submission of ${expnum}: ${c.reason} (see ${outFile})`,
    nonRetryable: c.kind === 'permanent',
    details: [{ attempt }],
  });
}
