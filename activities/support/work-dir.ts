/**
 * An exposure's working directory `exp_EXPNUM`, made of symbolic links. DAGMaker writes fixed-name
 * scratch files where it runs, so five of them in the gw_workflow directory would clobber each
 * other: each gets a directory of its own, mirroring the site's (its scripts and inputs) with the
 * run's own dagmaker.rc, exposures.list snapshot and band lists in place of the site's, and nothing
 * shared it could write into. prepareRun lists the links once (mirror.json); each directory is made
 * from them when its DAGMaker is about to run.
 */
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RUN_FILES, runDirOf } from '../../common/run-files.js';
import { writeAtomically } from './atomic-file.js';

/**
 * Entries of the gw_workflow directory never linked into a working directory: the run provides its
 * own dagmaker.rc, exposures.list and band lists, and DAGMaker writes the rest (writing through a link would write
 * into the shared directory).
 */
const NOT_MIRRORED: RegExp[] = [
  /^dagmaker\.rc$/,
  /^exposures\.list$/,
  /^exposures_.+\.list$/,
  /^tempoverlap\.list$/,
  /^dummyjob\.sh$/,
  /^syspfiles_/,
  /\.out$/,
  /^desgw_pipeline_.*\.dag$/,
  /^search_.*\.dag$/,
  /^copy_pairs_for_.*\.sh$/,
  /^mytemp_/,
  /^\./,
];

/**
 * Lists the links of every working directory of the run: the site's entries (less NOT_MIRRORED),
 * and `runOwn`, files of the run directory that stand in for the site's.
 */
export async function writeMirror(runDir: string, gwWorkflowDir: string, runOwn: string[]): Promise<void> {
  const siteEntries = (await readdir(gwWorkflowDir)).filter((name) => !NOT_MIRRORED.some((re) => re.test(name)));
  const links: [string, string][] = [
    ...siteEntries.map((name): [string, string] => [name, join(gwWorkflowDir, name)]),
    ...runOwn.map((name): [string, string] => [name, join(runDir, name)]),
  ];
  await writeAtomically(join(runDir, RUN_FILES.mirror), JSON.stringify(links));
}

/**
 * Makes (or completes) an exposure's working directory `${runDir}/exp_EXPNUM`: links to the site's
 * entries and the run's own files, as writeMirror listed them. Idempotent.
 */
export async function ensureWorkDir(workDir: string): Promise<void> {
  const links = JSON.parse(await readFile(join(runDirOf(workDir), RUN_FILES.mirror), 'utf8')) as [string, string][];
  await mkdir(workDir, { recursive: true, mode: 0o775 });
  await Promise.all(links.map(([name, target]) => ensureLink(join(workDir, name), target)));
}

/** Makes `path` a symlink to `target` (idempotent: a retried or resumed run finds it in place). */
async function ensureLink(path: string, target: string): Promise<void> {
  try {
    await symlink(target, path);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const existing = await lstat(path);
  if (existing.isSymbolicLink() && (await readlink(path)) === target) return;
  await rm(path, { recursive: true, force: true });
  await symlink(target, path);
}
