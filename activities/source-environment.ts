/**
 * `sourceEnvironment`: sources the site's setup_img_proc.sh in bash, captures the environment it
 * leaves, checks that the grid tools resolve in it, and keeps it in a file (mode 600) in the run
 * directory. Only the file's path and a count reach history: the environment may hold secrets.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { access, constants, mkdir, readFile, rm } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { scrubbedEnvironment } from './support/scrubbed-env.js';
import { writeAtomically } from './support/atomic-file.js';
import { runLogged, tailOf } from './support/run-logged.js';
import type { SourceEnvironmentInput, SourcedEnvironment } from './types.js';
import { RUN_FILES } from '../common/run-files.js';
import { Failure } from '../common/failures.js';

/**
 * The fixed bash program: no input is interpolated into it (the file it writes is its argument $1).
 * The setup script's own (noisy) output goes to the .out file; the environment it leaves is written
 * NUL-separated, readable by the worker's user only, to $1.
 */
const PROGRAM = 'source ./setup_img_proc.sh || exit $?; umask 077; env -0 > "$1"';

export interface EnvironmentOptions {
  setupTimeoutS: number;
  heartbeatEveryS: number;
}

export async function sourceEnvironmentWith(
  o: EnvironmentOptions,
  input: SourceEnvironmentInput,
): Promise<SourcedEnvironment> {
  const outFile = join(input.runDir, RUN_FILES.setupOut);
  const rawFile = join(input.runDir, RUN_FILES.rawEnvironment);
  await mkdir(input.runDir, { recursive: true, mode: 0o775 });
  await rm(rawFile, { force: true });
  const r = await runLogged({
    file: 'bash',
    args: ['-c', PROGRAM, 'desgw-setup', rawFile],
    cwd: input.gwWorkflowDir,
    env: scrubbedEnvironment(),
    outFile,
    pidFile: join(input.runDir, RUN_FILES.setupPid),
    timeoutS: o.setupTimeoutS,
    heartbeatEveryS: o.heartbeatEveryS,
    label: 'setup_img_proc.sh',
  });
  const raw = await readFile(rawFile, 'utf8').catch(() => null);
  await rm(rawFile, { force: true });
  if (r.exitCode !== 0 || raw === null) {
    const why =
      r.killed === 'timeout'
        ? `did not finish within ${o.setupTimeoutS} s (cvmfs hanging?)`
        : `failed (exit ${r.exitCode ?? r.killed})`;
    throw ApplicationFailure.create({
      type: Failure.EnvironmentFailed,
      message:
        `sourcing ${join(input.gwWorkflowDir, 'setup_img_proc.sh')} ${why}. Last lines:\n${tailOf(r.output, 6)}\n` +
        `Full output: ${outFile}. To try by hand: cd ${input.gwWorkflowDir} && source ./setup_img_proc.sh`,
    });
  }
  const env = parseEnv0(raw);
  const jobsubSubmitDag = await which('jobsub_submit_dag', env.PATH ?? '');
  if (!jobsubSubmitDag) {
    throw ApplicationFailure.create({
      type: Failure.EnvironmentFailed,
      message: `after sourcing setup_img_proc.sh, jobsub_submit_dag is not on PATH (${env.PATH ?? ''}); is the jobsub client set up?`,
    });
  }
  const envFile = join(input.runDir, RUN_FILES.environment);
  await writeAtomically(envFile, JSON.stringify(env), 0o600);
  return { envFile, variableCount: Object.keys(env).length, jobsubSubmitDag, durationMs: r.durationMs };
}

export function parseEnv0(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of text.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  delete env._;
  delete env.SHLVL;
  delete env.PWD;
  delete env.OLDPWD;
  return env;
}

async function which(name: string, path: string): Promise<string | null> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return null;
}
