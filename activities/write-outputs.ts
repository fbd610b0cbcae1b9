/**
 * `writeOutputs`: the hand-off to post-processing. The run's own `output.txt` (legacy form) and
 * `manifest.json` go in its run directory, which no other run writes; the legacy
 * `image_proc_outputs/output.txt` that the old post-processing reads is replaced whole (written,
 * then renamed) and holds the last finished run's.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withPaths } from '../common/exposure-paths.js';
import { formatOutputTxt } from '../common/output-file.js';
import { writeAtomically } from './atomic-file.js';
import type { WriteOutputsInput } from './types.js';

export async function writeOutputs({ outputDir, runDir, result }: WriteOutputsInput): Promise<{ outputTxt: string; manifest: string; latestOutputTxt: string }> {
  // The workflow sends the exposures without their file paths (a long list stays under the payload limit).
  const full = { ...result, exposures: result.exposures.map((e) => withPaths(e, runDir)) };
  const outputText = formatOutputTxt(full.season, full.exposures);
  const outputTxt = join(runDir, 'output.txt');
  const manifest = join(runDir, 'manifest.json');
  await writeAtomically(outputTxt, outputText);
  await writeAtomically(manifest, JSON.stringify(full, null, 2) + '\n');
  await mkdir(outputDir, { recursive: true, mode: 0o775 });
  const latestOutputTxt = join(outputDir, 'output.txt');
  await writeAtomically(latestOutputTxt, outputText);
  return { outputTxt, manifest, latestOutputTxt };
}
