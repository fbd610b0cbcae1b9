/**
 * `prepareRun`: writes the run's own dagmaker.rc (the site's file as template, SEASON and the
 * requested keys set, every value quoted), its diff, the per-band exposure lists, and the list of
 * links from which each exposure's working directory is made, mirroring the gw_workflow directory.
 * DAGMaker writes fixed-name scratch files in its working directory, so each exposure gets its own:
 * links to the site's scripts and inputs, links to the run's dagmaker.rc, its snapshot of
 * exposures.list and its band lists, and nothing shared it could write into. The snapshot is the
 * table as it was when the run was prepared: another run's refresh of the site's exposures.list
 * can never make one of this run's DAGMakers miss its exposure.
 */
import { lstat, mkdir, readFile, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { renderRcDiff, rewriteRc } from '../common/dagmaker-rc.js';
import { Failure } from '../common/failures.js';
import { parseExposuresTable, perBandLists } from '../common/exposures-table.js';
import { writeAtomically } from './atomic-file.js';
import { markRunDir } from './run-marker.js';
import type { PrepareRunInput, PreparedRun } from './types.js';

/**
 * Entries of the gw_workflow directory never linked into a working directory: the run provides its
 * own dagmaker.rc and band lists, and DAGMaker writes the rest (writing through a link would write
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

export async function prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
  const { gwWorkflowDir, runDir, season } = input;
  await mkdir(runDir, { recursive: true, mode: 0o775 });
  if (input.workflowId !== undefined) await markRunDir(runDir, input.workflowId, input.firstExecutionRunId ?? '');

  const siteRc = join(gwWorkflowDir, 'dagmaker.rc');
  const template = await readFile(siteRc, 'utf8');
  const { text, changes } = rewriteRc(template, { SEASON: String(season), ...input.rc });
  const rcFile = join(runDir, 'dagmaker.rc');
  const rcDiffFile = join(runDir, 'dagmaker.rc.diff');
  await writeAtomically(rcFile, text);
  await writeAtomically(rcDiffFile, renderRcDiff(changes, siteRc, rcFile));

  // The run's snapshot of exposures.list: read once (the site's is replaced whole, see refresh-exposures.ts).
  const snapshot = await readFile(join(gwWorkflowDir, 'exposures.list'), 'utf8');
  const table = parseExposuresTable(snapshot);
  const missing = (input.expnums ?? []).filter((e) => !table.rows.has(e));
  if (missing.length > 0) {
    throw ApplicationFailure.create({
      type: Failure.InvalidInput,
      nonRetryable: true,
      message: `exposures ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} were in ${join(gwWorkflowDir, 'exposures.list')} at validation and are not now: was it rewritten by hand?`,
    });
  }
  await writeAtomically(join(runDir, 'exposures.list'), snapshot);
  const bandLists = perBandLists(table);
  for (const [band, content] of bandLists) await writeAtomically(join(runDir, `exposures_${band}.list`), content);

  const siteEntries = (await readdir(gwWorkflowDir)).filter((name) => !NOT_MIRRORED.some((re) => re.test(name)));
  const links: [string, string][] = [
    ...siteEntries.map((name): [string, string] => [name, join(gwWorkflowDir, name)]),
    ['dagmaker.rc', rcFile],
    ['exposures.list', join(runDir, 'exposures.list')],
    ...[...bandLists.keys()].map((band): [string, string] => [`exposures_${band}.list`, join(runDir, `exposures_${band}.list`)]),
  ];
  // Each exposure's directory is made when its DAGMaker is about to run (ensureWorkDir), from this list.
  await writeAtomically(join(runDir, MIRROR_FILE), JSON.stringify(links));
  return { rcFile, rcDiffFile, rcChanges: changes, runDir };
}

const MIRROR_FILE = 'mirror.json';

/**
 * Makes (or completes) an exposure's working directory `${runDir}/exp_EXPNUM`: links to the site's
 * entries, the run's dagmaker.rc and band lists, as prepareRun listed them. Idempotent.
 */
export async function ensureWorkDir(workDir: string): Promise<void> {
  const links = JSON.parse(await readFile(join(dirname(workDir), MIRROR_FILE), 'utf8')) as [string, string][];
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
