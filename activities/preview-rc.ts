/** `previewRc` (dry run): the dagmaker.rc change a run would make, without writing it. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RcChange } from '../common/contract.js';
import { renderRcDiff, rewriteRc } from '../common/dagmaker-rc.js';
import { RUN_FILES } from '../common/run-files.js';

export async function previewRc({
  gwWorkflowDir,
  season,
  rc,
}: {
  gwWorkflowDir: string;
  season: number;
  rc: Record<string, string>;
}): Promise<{ changes: RcChange[]; diff: string }> {
  const siteRc = join(gwWorkflowDir, RUN_FILES.dagmakerRc);
  const { changes } = rewriteRc(await readFile(siteRc, 'utf8'), { SEASON: String(season), ...rc });
  return { changes, diff: renderRcDiff(changes, siteRc, "the run's dagmaker.rc") };
}
