/** `writeOutputs`: the hand-off to post-processing, output.txt (legacy form) and manifest.json. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withPaths } from '../common/exposure-paths.js';
import { formatOutputTxt } from '../common/output-file.js';
import { writeAtomically } from './prepare-run.js';
import type { WriteOutputsInput } from './types.js';

export async function writeOutputs({ outputDir, runDir, result }: WriteOutputsInput): Promise<{ outputTxt: string; manifest: string }> {
  await mkdir(outputDir, { recursive: true, mode: 0o775 });
  const outputTxt = join(outputDir, 'output.txt');
  const manifest = join(outputDir, 'manifest.json');
  // The workflow sends the exposures without their file paths (a long list stays under the payload limit).
  const full = { ...result, exposures: result.exposures.map((e) => withPaths(e, runDir)) };
  const manifestText = JSON.stringify(full, null, 2) + '\n';
  await writeAtomically(outputTxt, formatOutputTxt(full.season, full.exposures));
  await writeAtomically(manifest, manifestText);
  // The run directory keeps its own copy: output.txt is overwritten by the next run.
  await writeAtomically(join(runDir, 'manifest.json'), manifestText);
  return { outputTxt, manifest };
}
