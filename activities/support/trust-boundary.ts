/**
 * The trust boundary: workflow input never chooses code or files. Anyone who can start a workflow
 * could otherwise make the DES worker source scripts of their choosing (a gw_workflow directory's
 * setup_img_proc.sh, DAGMaker.sh) or read files as `desgw` (a `.list` that is really
 * ~/.desservices.ini). So a run may name only a gw_workflow directory the worker's settings allow,
 * read its list and write its outputs only under allowed roots, and a list is capped in size.
 * Paths are compared after resolving symbolic links and `..`. A refusal is one line naming the path
 * and the setting that would allow it; nothing of a file's content is ever put in it.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { WorkerConfig } from '../../common/settings.js';

export type TrustSettings = Pick<
  WorkerConfig,
  'gwWorkflowDir' | 'allowedGwWorkflowDirs' | 'allowedRoots' | 'maxListBytes'
>;

/** A path with its symbolic links and `..` resolved; for a path that does not exist yet, its deepest existing ancestor is. */
export async function resolvedPath(path: string): Promise<string> {
  const absolute = resolve(path);
  const real = await realpath(absolute).catch(() => null);
  if (real !== null) return real;
  const parent = dirname(absolute);
  return parent === absolute ? absolute : join(await resolvedPath(parent), basename(absolute));
}

/** Whether `path` is `root` or inside it (both resolved). */
export function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The gw_workflow directories a run may name, resolved: the worker's own and DESGW_ALLOWED_GW_WORKFLOW_DIRS. */
export async function allowedGwWorkflowDirs(t: TrustSettings): Promise<string[]> {
  return Promise.all([t.gwWorkflowDir, ...t.allowedGwWorkflowDirs].map(resolvedPath));
}

/** Where runs may read lists and write outputs, resolved: the parent of each allowed gw_workflow directory, and DESGW_ALLOWED_ROOTS. */
export async function allowedRoots(t: TrustSettings): Promise<string[]> {
  const gw = await allowedGwWorkflowDirs(t);
  return [...new Set([...gw.map((d) => dirname(d)), ...(await Promise.all(t.allowedRoots.map(resolvedPath)))])];
}

/** The gw_workflow directory a run names, if allowed; else the one-line refusal. */
export async function checkGwWorkflowDir(
  t: TrustSettings,
  requested: string,
): Promise<{ dir: string } | { problem: string }> {
  const dir = await resolvedPath(requested);
  if ((await allowedGwWorkflowDirs(t)).includes(dir)) return { dir };
  return {
    problem: `gw_workflow directory ${requested} is not one this worker may use: allow it with DESGW_ALLOWED_GW_WORKFLOW_DIRS in the worker's settings`,
  };
}

/** A path a run reads or writes (`what`: "exposure list", "output directory"), if under an allowed root; else the one-line refusal. */
export async function checkUnderRoots(
  t: TrustSettings,
  what: string,
  requested: string,
): Promise<{ path: string } | { problem: string }> {
  const path = await resolvedPath(requested);
  const roots = await allowedRoots(t);
  if (roots.some((r) => isUnder(path, r))) return { path };
  return {
    problem: `${what} ${requested} is outside the directories this worker reads and writes (${roots.join(', ')}): allow it with DESGW_ALLOWED_ROOTS in the worker's settings`,
  };
}

/** A list file: a regular file of at most DESGW_MAX_LIST_BYTES; else the one-line refusal. */
export async function checkListFile(t: TrustSettings, path: string, shownAs: string): Promise<string | null> {
  const s = await stat(path).catch((err: NodeJS.ErrnoException) => err);
  if (s instanceof Error)
    return `exposure list ${shownAs}: ${s.code === 'ENOENT' ? 'no such file' : `unreadable (${s.code ?? 'error'})`}`;
  if (!s.isFile()) return `exposure list ${shownAs} is not a regular file`;
  if (s.size > t.maxListBytes)
    return `exposure list ${shownAs} is ${s.size} bytes, more than the ${t.maxListBytes} a list may be: raise DESGW_MAX_LIST_BYTES in the worker's settings if it really is a list`;
  return null;
}
