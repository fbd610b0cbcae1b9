/**
 * `pointLatestPage`: the stable path of an event campaign's newest successful pass. Each pass writes
 * its own output directory; `<campaign dir>/latest` is a symbolic link to the newest successful one,
 * replaced atomically (a new link renamed over the old), so the page people keep open
 * (`<campaign dir>/latest/index.html`) is never missing and never half a pass.
 */
import { rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { checkUnderRoots } from './support/trust-boundary.js';

export interface PointLatestPageInput {
  runDir: string;
  /** The pass's output directory, and its page in it. */
  outputDir: string;
  page: string;
}

export async function pointLatestPageWith(
  config: WorkerConfig,
  input: PointLatestPageInput,
): Promise<{ latestPage: string }> {
  const run = await checkUnderRoots(config, 'campaign directory', input.runDir);
  if ('problem' in run) throw invalidInput([run.problem]);
  const out = await checkUnderRoots(config, 'pass output directory', input.outputDir);
  if ('problem' in out) throw invalidInput([out.problem]);
  if (!input.page.startsWith(`${out.path}/`)) throw invalidInput([`${input.page} is not in ${out.path}`]);
  const link = join(run.path, 'latest');
  const fresh = `${link}.${process.pid}.${Date.now()}`;
  await rm(fresh, { force: true });
  await symlink(out.path, fresh);
  await rename(fresh, link);
  return { latestPage: join(link, input.page.slice(out.path.length + 1)) };
}
