/** The embedded default DES site: a sandbox instance made from `sandbox/` by its make-site.sh. */
import { execa } from 'execa';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './config.js';

export interface SandboxTimings {
  setupSeconds?: number;
  dagmakerMinSeconds?: number;
  dagmakerMaxSeconds?: number;
  submitSeconds?: number;
  /** How long the sandbox grid "runs" a DAG, and run_postproc.py its steps. */
  gridSeconds?: number;
  postprocSeconds?: number;
}

/** Creates a sandbox site at `root` (gw_workflow/, grid/, state/ …) unless one is there; returns its gw_workflow dir. */
export async function ensureSandboxSite(root: string, timings: SandboxTimings = {}): Promise<string> {
  const gw = join(root, 'gw_workflow');
  const has = (p: string) =>
    stat(p).then(
      () => true,
      () => false,
    );
  const hasGw = await has(gw);
  // A site made before the sandbox had its Post-Processing checkout, or before that checkout's
  // python stood in for Python 2.7 (the post-processing shell checks its modules), is made again (--force).
  if (hasGw && (await has(join(root, 'Post-Processing', 'sandbox-py27', 'ConfigParser.py')))) return gw;
  const env: Record<string, string> = {};
  if (timings.setupSeconds !== undefined) env.SANDBOX_SETUP_SECONDS = String(timings.setupSeconds);
  if (timings.dagmakerMinSeconds !== undefined) env.SANDBOX_DAGMAKER_MIN_SECONDS = String(timings.dagmakerMinSeconds);
  if (timings.dagmakerMaxSeconds !== undefined) env.SANDBOX_DAGMAKER_MAX_SECONDS = String(timings.dagmakerMaxSeconds);
  if (timings.submitSeconds !== undefined) env.SANDBOX_SUBMIT_SECONDS = String(timings.submitSeconds);
  if (timings.gridSeconds !== undefined) env.SANDBOX_GRID_SECONDS = String(timings.gridSeconds);
  if (timings.postprocSeconds !== undefined) env.SANDBOX_POSTPROC_SECONDS = String(timings.postprocSeconds);
  const force = hasGw ? ['--force'] : [];
  await execa('bash', [join(REPO_ROOT, 'sandbox', 'make-site.sh'), ...force, root], { env, stdio: 'inherit' });
  return gw;
}

/** The sandbox root of a gw_workflow directory made by ensureSandboxSite. */
export function sandboxRootOf(gwWorkflowDir: string): string {
  return dirname(gwWorkflowDir);
}

/** Where the sandbox grid writes (its /pnfs/des/persistent/gw). */
export function sandboxPnfsRoot(gwWorkflowDir: string): string {
  return join(sandboxRootOf(gwWorkflowDir), 'pnfs', 'des', 'persistent', 'gw');
}
