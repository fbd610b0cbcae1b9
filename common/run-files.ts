/**
 * Every file a run writes or reads in its run directory, named once: the run's own files, and
 * each exposure's working directory `exp_EXPNUM` with what DAGMaker, jobsub and the run write
 * there. Imported by workflow code: plain strings, no Node built-ins.
 */
import type { ExposureResult } from './contract.js';

/** Files of the run directory. */
export const RUN_FILES = {
  /** The run's dagmaker.rc, and its diff against the site's. */
  dagmakerRc: 'dagmaker.rc',
  rcDiff: 'dagmaker.rc.diff',
  /** The run's snapshot of exposures.list; its band lists are `exposures_<band>.list`. */
  exposuresList: 'exposures.list',
  /** What setup_img_proc.sh printed, the environment it left (mode 600), and where it is written first. */
  setupOut: 'setup_img_proc.out',
  environment: 'environment.json',
  rawEnvironment: '.environment.env0',
  setupPid: '.setup.pid',
  /** The links each working directory is made of. */
  mirror: 'mirror.json',
  /** Which run made the directory. */
  marker: 'run.json',
  /**
   * The run's season, written when the season registry records it (before the directory is
   * prepared): with dagmaker.rc's SEASON, the durable source of reservations a new registry is rebuilt from.
   */
  season: 'season.json',
  /** The hand-off to post-processing. */
  outputTxt: 'output.txt',
  manifest: 'manifest.json',
} as const;

/** A per-band list of the run (and of the site). */
export const bandList = (band: string): string => `exposures_${band}.list`;

/** Files of an exposure, in its working directory. */
export function exposureFiles(expnum: number, runDir: string) {
  const workDir = `${runDir}/exp_${expnum}`;
  return {
    workDir,
    dagFile: `${workDir}/desgw_pipeline_${expnum}.dag`,
    /** DAGMaker's last word, holding the submit command it recommends: the marker of its success. */
    doneFile: `${workDir}/mytemp_${expnum}/DAGMaker.DONE`,
    dagmakerOutFile: `${workDir}/dagmaker_${expnum}.out`,
    submitOutFile: `${workDir}/dag_submission_${expnum}.out`,
    /** The submission's intent and outcome (see activities/support/submission-record.ts). */
    submissionRecord: `${workDir}/submission_${expnum}.json`,
    /** Why it failed for good, whole. */
    failureRecord: `${workDir}/failed_${expnum}.json`,
    dagmakerPid: `${workDir}/.dagmaker.pid`,
    submitPid: `${workDir}/.submit.pid`,
  };
}

/** The exposure's working directory, from the run directory. */
export const workDirOf = (expnum: number, runDir: string): string => `${runDir}/exp_${expnum}`;

/** The run directory of an exposure's working directory. */
export const runDirOf = (workDir: string): string => workDir.slice(0, workDir.lastIndexOf('/'));

type Paths = Pick<ExposureResult, 'workDir' | 'dagFile' | 'dagmakerOutFile' | 'submitOutFile'>;

/** The paths a result shows. */
export function exposurePaths(expnum: number, runDir: string): Required<Paths> {
  const { workDir, dagFile, dagmakerOutFile, submitOutFile } = exposureFiles(expnum, runDir);
  return { workDir, dagFile, dagmakerOutFile, submitOutFile };
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
