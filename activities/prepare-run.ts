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
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { renderRcDiff, rewriteRc } from '../common/dagmaker-rc.js';
import { Failure } from '../common/failures.js';
import { parseExposuresTable, perBandLists } from '../common/exposures-table.js';
import { writeAtomically } from './support/atomic-file.js';
import { markRunDir, recordRun } from './support/run-marker.js';
import { writeMirror } from './support/work-dir.js';
import { bandList, RUN_FILES } from '../common/run-files.js';
import type { PrepareRunInput, PreparedRun } from './types.js';

export async function prepareRun(input: PrepareRunInput): Promise<PreparedRun> {
  const { gwWorkflowDir, runDir, season } = input;
  await mkdir(runDir, { recursive: true, mode: 0o775 });
  if (input.workflowId !== undefined) await markRunDir(runDir, input.workflowId, input.firstExecutionRunId ?? '');

  const siteRc = join(gwWorkflowDir, RUN_FILES.dagmakerRc);
  const template = await readFile(siteRc, 'utf8');
  const { text, changes } = rewriteRc(template, { SEASON: String(season), ...input.rc });
  const rcFile = join(runDir, RUN_FILES.dagmakerRc);
  const rcDiffFile = join(runDir, RUN_FILES.rcDiff);
  await writeAtomically(rcFile, text);
  await writeAtomically(rcDiffFile, renderRcDiff(changes, siteRc, rcFile));

  // The run's snapshot of exposures.list: read once (the site's is replaced whole, see refresh-exposures.ts).
  const snapshot = await readFile(join(gwWorkflowDir, RUN_FILES.exposuresList), 'utf8');
  const table = parseExposuresTable(snapshot);
  const missing = (input.expnums ?? []).filter((e) => !table.rows.has(e));
  if (missing.length > 0) {
    throw ApplicationFailure.create({
      type: Failure.InvalidInput,
      nonRetryable: true,
      message: `exposures ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? '…' : ''} were in ${join(gwWorkflowDir, RUN_FILES.exposuresList)} at validation and are not now: was it rewritten by hand?`,
    });
  }
  await writeAtomically(join(runDir, RUN_FILES.exposuresList), snapshot);
  const bandLists = perBandLists(table);
  for (const [band, content] of bandLists) await writeAtomically(join(runDir, bandList(band)), content);

  // Each exposure's directory is made when its DAGMaker is about to run (ensureWorkDir), from these links.
  await writeMirror(runDir, gwWorkflowDir, [
    RUN_FILES.dagmakerRc,
    RUN_FILES.exposuresList,
    ...[...bandLists.keys()].map(bandList),
  ]);
  if (input.workflowId !== undefined && input.listFile !== undefined && input.requestedSeason !== undefined) {
    const { listFile, requestedSeason, rc, expnums = [] } = input;
    await recordRun(runDir, { listFile, expnums, rc, requestedSeason, season, rcChanges: changes });
  }
  return { rcFile, rcDiffFile, rcChanges: changes, runDir };
}
