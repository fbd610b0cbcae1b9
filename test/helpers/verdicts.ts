/**
 * Tests read a post-processing's verdicts where operators do: verdicts.json, the file its result
 * names (history carries only the summary: exposure numbers and reason codes).
 */
import { readFile } from 'node:fs/promises';
import type { ExposureVerdict, PostProcessingResult } from '../../common/post-processing-contract.js';

export async function verdictsOf(r: PostProcessingResult): Promise<ExposureVerdict[]> {
  const file = r.verdicts?.file;
  if (!file) throw new Error(`post-processing ${r.workflowId} names no verdicts file`);
  return (JSON.parse(await readFile(file, 'utf8')) as { verdicts: ExposureVerdict[] }).verdicts;
}

/** The exposures left out, whatever the reason. */
export function leftOutOf(r: PostProcessingResult): number[] {
  return (r.verdicts?.leftOut ?? []).flatMap((l) => l.expnums);
}
