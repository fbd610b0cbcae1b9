/** Where an exposure's files are: its working directory `${runDir}/exp_EXPNUM` and what DAGMaker and jobsub write there. */
import type { ExposureResult } from './contract.js';

export function exposurePaths(expnum: number, runDir: string): Required<Pick<ExposureResult, 'workDir' | 'dagFile' | 'dagmakerOutFile' | 'submitOutFile'>> {
  const workDir = `${runDir}/exp_${expnum}`;
  return {
    workDir,
    dagFile: `${workDir}/desgw_pipeline_${expnum}.dag`,
    dagmakerOutFile: `${workDir}/dagmaker_${expnum}.out`,
    submitOutFile: `${workDir}/dag_submission_${expnum}.out`,
  };
}

/** The result with its file paths filled in. */
export function withPaths(r: ExposureResult, runDir: string): ExposureResult {
  return { ...r, ...exposurePaths(r.expnum, runDir) };
}

/** The result without its file paths (they follow from the run directory). */
export function withoutPaths(r: ExposureResult): ExposureResult {
  const { workDir: _w, dagFile: _d, dagmakerOutFile: _o, submitOutFile: _s, ...rest } = r;
  return rest;
}
