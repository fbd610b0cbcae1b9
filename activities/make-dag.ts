/**
 * `makeDag`: runs `DAGMaker.sh EXPNUM` (or DAGMaker_proxyuser.sh) in the exposure's working
 * directory, output to `dagmaker_EXPNUM.out`. Success needs exit 0 *and* `mytemp_EXPNUM/DAGMaker.DONE`
 * *and* a non-empty `desgw_pipeline_EXPNUM.dag`: DAGMaker creates the .dag empty early and exits 0
 * after some failures.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { classifyDagMakerFailure, dagMakerWarnings } from '../common/classify.js';
import { Failure } from '../common/failures.js';
import { exposureFiles, runDirOf } from '../common/run-files.js';
import { ensureWorkDir } from './support/work-dir.js';
import { ensureProxy, type ProxyOptions } from './support/proxy.js';
import { toolFailure, type ToolFailureTypes } from './support/tool-failure.js';
import { runLogged } from './support/run-logged.js';
import { loadEnvironment } from './support/site-environment.js';
import type { MakeDagInput, MakeDagResult } from './types.js';

/** DAGMaker's failures by kind: an ORA-/TNS- network error is an outage of the DES database. */
const DAGMAKER_FAILURES: ToolFailureTypes = {
  permanent: Failure.DagMakerPermanent,
  transient: Failure.DagMakerTransient,
  outage: Failure.DatabaseUnavailable,
  otherwise: Failure.DagMakerTransient,
};

export interface DagMakerOptions extends ProxyOptions {
  dagmakerTimeoutS: number;
  heartbeatEveryS: number;
}

export async function makeDagWith(o: DagMakerOptions, input: MakeDagInput): Promise<MakeDagResult> {
  const { expnum, workDir } = input;
  const attempt = Context.current().info.attempt;
  const env = await loadEnvironment(input.envFile);
  const { doneFile, dagFile, dagmakerOutFile: outFile, dagmakerPid } = exposureFiles(expnum, runDirOf(workDir));
  await ensureWorkDir(workDir);
  await ensureProxy(o, env, workDir);
  await rm(doneFile, { force: true }); // a marker left by an earlier attempt proves nothing now

  const r = await runLogged({
    file: join(workDir, input.script),
    args: [String(expnum)],
    cwd: workDir,
    env,
    outFile,
    pidFile: dagmakerPid,
    timeoutS: o.dagmakerTimeoutS,
    heartbeatEveryS: o.heartbeatEveryS,
    label: `DAGMaker ${expnum}`,
  });

  if (r.killed === 'cancelled') throw new CancelledFailure(`DAGMaker ${expnum} was cancelled and killed`);
  if (r.killed === 'shutdown') {
    // Not the exposure's fault: the workflow runs it again without counting this attempt.
    throw ApplicationFailure.create({
      type: Failure.WorkerShutdown,
      nonRetryable: true,
      message: `DAGMaker ${expnum} was stopped by the worker's shutdown`,
      details: [{ attempt }],
    });
  }
  if (r.killed === 'timeout') {
    throw ApplicationFailure.create({
      type: Failure.DagMakerTimeout,
      message: `DAGMaker ${expnum} did not finish within ${o.dagmakerTimeoutS} s and was killed`,
      details: [{ attempt }],
    });
  }
  const done = await readFile(doneFile, 'utf8').catch(() => null);
  const dagSize = await stat(dagFile).then(
    (s) => s.size,
    () => 0,
  );
  if (r.exitCode === 0 && done !== null && dagSize > 0) {
    return {
      dagFile,
      outFile,
      warnings: dagMakerWarnings(r.output),
      recommendedSubmit: done.trim(),
      durationMs: r.durationMs,
      attempt,
    };
  }
  if (r.exitCode === 0) {
    throw ApplicationFailure.create({
      type: Failure.DagMakerIncomplete,
      message: `DAGMaker ${expnum} exited 0 but ${done === null ? `wrote no ${doneFile}` : `left ${dagFile} empty`}; see ${outFile}`,
      details: [{ attempt }],
    });
  }
  const c = classifyDagMakerFailure(r.exitCode, r.output);
  throw await toolFailure(o, env, workDir, c, DAGMAKER_FAILURES, `DAGMaker ${expnum}`, attempt, outFile);
}
