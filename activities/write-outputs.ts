/**
 * `writeOutputs`: the hand-off to post-processing. The run's own `output.txt` (legacy form) and
 * `manifest.json` go in its run directory, which no other run writes; the legacy
 * `image_proc_outputs/output.txt` that the old post-processing reads is replaced whole (written,
 * then renamed) and holds the last finished run's. The manifest has each exposure's file paths and
 * its whole error, read from its failed_EXPNUM.json (history holds errors cut short).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExposureResult } from '../common/contract.js';
import { exposureFiles, RUN_FILES, withPaths } from '../common/run-files.js';
import { unpackResult } from '../common/outcome-codec.js';
import { formatOutputTxt } from '../common/output-file.js';
import { writeAtomically } from './support/atomic-file.js';
import { readFailureRecord } from './support/failure-record.js';
import type { WriteOutputsInput } from './types.js';

export async function writeOutputs({
  outputDir,
  runDir,
  result,
  packed,
}: WriteOutputsInput): Promise<{ outputTxt: string; manifest: string; latestOutputTxt: string }> {
  const exposures: ExposureResult[] = [];
  for (const e of packed ? packed.map(unpackResult) : result.exposures) {
    const full = withPaths(e, runDir);
    if (full.status === 'failed')
      full.error = (await readFailureRecord(exposureFiles(full.expnum, runDir).failureRecord)) ?? full.error;
    exposures.push(full);
  }
  const outputText = formatOutputTxt(result.season, exposures);
  const outputTxt = join(runDir, RUN_FILES.outputTxt);
  const manifest = join(runDir, RUN_FILES.manifest);
  await writeAtomically(outputTxt, outputText);
  await writeAtomically(manifest, JSON.stringify({ ...result, exposures }, null, 2) + '\n');
  await mkdir(outputDir, { recursive: true, mode: 0o775 });
  const latestOutputTxt = join(outputDir, RUN_FILES.outputTxt);
  await writeAtomically(latestOutputTxt, outputText);
  return { outputTxt, manifest, latestOutputTxt };
}
