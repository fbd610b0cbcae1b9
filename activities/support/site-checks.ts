/**
 * The checks a list run and an event campaign share before anything is written: maxConcurrent, the
 * season's form, the rc keys and values, the gw_workflow directory (inside the trust boundary) and
 * its scripts, WRITEDB=on when post-processing is asked for, and the output directory. Each problem
 * is a sentence naming the setting; a directory outside the trust boundary is refused at once.
 */
import { access, constants, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_MAX_CONCURRENT } from '../../common/contract.js';
import { effectiveRcValue, RcValueError, validateRcSettings } from '../../common/dagmaker-rc.js';
import { RUN_FILES } from '../../common/run-files.js';
import { reservedReason } from '../../common/season-rules.js';
import type { WorkerConfig } from '../../common/settings.js';
import { invalidInput } from './errors.js';
import { checkGwWorkflowDir, checkUnderRoots } from './trust-boundary.js';

/** Scripts the gw_workflow directory must hold. */
const REQUIRED = ['setup_img_proc.sh', 'dagmaker.rc'];

export interface SiteAsked {
  season: unknown;
  rc?: unknown;
  maxConcurrent?: unknown;
  gwWorkflowDir?: string;
  /** Post-processing is asked for: WRITEDB must be on. */
  postProcessing: boolean;
}

export interface SiteChecked {
  problems: string[];
  gwWorkflowDir: string;
  dirOk: boolean;
  rc: Record<string, string>;
  maxConcurrent: number;
  dagmakerScript: string;
}

export async function checkSite(config: WorkerConfig, asked: SiteAsked): Promise<SiteChecked> {
  const problems: string[] = [];
  const maxConcurrent = (asked.maxConcurrent ?? DEFAULT_MAX_CONCURRENT) as number;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
    problems.push(`maxConcurrent must be an integer of at least 1, not ${JSON.stringify(asked.maxConcurrent)}`);

  if (asked.season !== 'auto') {
    if (typeof asked.season !== 'number' || !Number.isInteger(asked.season) || asked.season < 1) {
      problems.push(`season must be "auto" or a positive integer, not ${JSON.stringify(asked.season)}`);
    } else {
      const reason = reservedReason(asked.season);
      if (reason) problems.push(reason);
    }
  }

  let rc: Record<string, string> = {};
  try {
    if (asked.rc !== undefined && (typeof asked.rc !== 'object' || asked.rc === null || Array.isArray(asked.rc))) {
      throw new RcValueError(['rc must be an object of dagmaker.rc keys and values']);
    }
    rc = validateRcSettings(asked.rc as Record<string, string | number | boolean> | undefined);
  } catch (err) {
    if (!(err instanceof RcValueError)) throw err;
    problems.push(...err.problems);
  }

  // The trust boundary first: nothing of a directory a run may not use is looked at further.
  const allowedDir = await checkGwWorkflowDir(config, asked.gwWorkflowDir ?? config.gwWorkflowDir);
  if ('problem' in allowedDir) throw invalidInput([allowedDir.problem]);
  const gwWorkflowDir = allowedDir.dir;
  const dagmakerScript = config.dagmakerScript;
  const dirOk = await isDirectory(gwWorkflowDir);
  if (!dirOk) problems.push(`gw_workflow directory ${gwWorkflowDir} does not exist`);
  else {
    for (const name of [dagmakerScript, ...REQUIRED]) {
      const path = join(gwWorkflowDir, name);
      const mode = name.endsWith('.sh') && name !== 'setup_img_proc.sh' ? constants.X_OK : constants.R_OK;
      if (
        !(await access(path, mode).then(
          () => true,
          () => false,
        ))
      ) {
        problems.push(`${path} is missing${mode === constants.X_OK ? ' or not executable' : ''}`);
      }
    }
  }

  // Post-processing takes its candidates only from the DES database, which the grid fills only with WRITEDB=on.
  if (dirOk && asked.postProcessing) {
    const siteRc = join(gwWorkflowDir, RUN_FILES.dagmakerRc);
    const text = await readFile(siteRc, 'utf8').catch(() => null);
    if (text !== null) {
      const writeDb = effectiveRcValue(text, rc, 'WRITEDB');
      if (writeDb.value !== 'on') problems.push(writeDbProblem(writeDb, siteRc));
    }
  }
  return { problems, gwWorkflowDir, dirOk, rc, maxConcurrent, dagmakerScript };
}

/** The output directory asked for (default `image_proc_outputs/` beside the gw_workflow directory), inside the trust boundary. */
export async function checkOutputDir(
  config: WorkerConfig,
  gwWorkflowDir: string,
  outputDir: string | undefined,
): Promise<string> {
  const allowed = await checkUnderRoots(
    config,
    'output directory',
    outputDir ?? join(dirname(gwWorkflowDir), 'image_proc_outputs'),
  );
  if ('problem' in allowed) throw invalidInput([allowed.problem]);
  return allowed.path;
}

/**
 * Why a run asking for post-processing with WRITEDB off is refused: run_postproc.py's candidates
 * come only from the DES database (makeDataFiles reads SNCAND), which the grid jobs fill only when
 * DAGMaker ran with WRITEDB=on; with none it crashes in makeDataFiles, hours later.
 */
export function writeDbProblem(writeDb: ReturnType<typeof effectiveRcValue>, siteRc: string): string {
  const where =
    writeDb.from === 'run'
      ? "this run's rc"
      : writeDb.from === 'dagmaker.rc'
        ? siteRc
        : `DAGMaker's default: ${siteRc} does not set it`;
  return (
    `postProcessing needs WRITEDB=on, and this run's DAGMaker would see WRITEDB=${writeDb.value} (${where}): ` +
    'run_postproc.py takes its candidates only from the DES database (SNCAND), which the grid fills only with WRITEDB=on, ' +
    'so with none it would crash in makeDataFiles; set rc WRITEDB=on (desgw run --set WRITEDB=on) or leave out postProcessing'
  );
}

export async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

export async function isFile(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}
