/**
 * `validateCampaign`: checks everything an event campaign needs before anything is written — the
 * trigger facts, the season's form, every rc key and value, maxConcurrent, the gw_workflow directory
 * and its scripts, the pass policy, WRITEDB=on when it post-processes, a watcher only where the
 * worker has the exposure table — and claims the trigger: one campaign per GW event. A second
 * campaign for a trigger (another workflow id) is refused, naming the first; the same campaign
 * (a retry, a reset, a continue-as-new) goes on.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { passPolicyProblems } from '../common/pass-policy.js';
import { triggerProblems } from '../common/postproc-ini.js';
import { runsDirFor, type WorkerConfig } from '../common/settings.js';
import { invalidInput } from './support/errors.js';
import { checkOutputDir, checkSite } from './support/site-checks.js';
import { readRunMarker } from './support/run-marker.js';
import type { ValidateCampaignInput, ValidatedCampaign } from './types.js';
import { safeName } from './validate-run.js';

/** The folder of the runs directory where each trigger names the campaign that holds it. */
const TRIGGERS = '.triggers';

export async function validateCampaignWith(
  config: WorkerConfig,
  input: ValidateCampaignInput,
): Promise<ValidatedCampaign> {
  const problems = triggerProblems(input);
  const pp = input.postProcessing;
  if (pp !== undefined && (typeof pp !== 'object' || pp === null || Array.isArray(pp)))
    problems.push('postProcessing must be an object such as {"postProcessingDir": "…", "passPolicy": {"minNew": 10}}');
  else if (pp) problems.push(...passPolicyProblems(pp.passPolicy));
  if (input.watchDatabase !== undefined && typeof input.watchDatabase !== 'boolean')
    problems.push(`watchDatabase must be true or false, not ${JSON.stringify(input.watchDatabase)}`);
  if (input.watchDatabase === true && !config.exposureDbUrl)
    problems.push(
      "watchDatabase needs the exposure table, and this worker has none: set DESGW_EXPOSURE_DB_URL in the worker's environment, or add exposures with desgw event add",
    );

  const site = await checkSite(config, {
    season: input.season,
    rc: input.rc,
    maxConcurrent: input.maxConcurrent,
    ...(input.gwWorkflowDir !== undefined ? { gwWorkflowDir: input.gwWorkflowDir } : {}),
    postProcessing: pp !== undefined,
  });
  problems.push(...site.problems);
  if (problems.length > 0) throw invalidInput(problems);

  const runsDir = runsDirFor(config, site.gwWorkflowDir);
  const runDir = join(runsDir, safeName(input.workflowId));
  // A campaign's directory is its own: another workflow's (a list run of the same id) is refused.
  const marker = await readRunMarker(runDir);
  if (marker && marker.workflowId !== '' && marker.workflowId !== input.workflowId)
    throw invalidInput([`${runDir} belongs to ${marker.workflowId}: choose another workflow id for this campaign`]);
  await claimTrigger(runsDir, input.triggerId, input.workflowId);

  const outputDir = await checkOutputDir(config, site.gwWorkflowDir, input.outputDir);
  return {
    gwWorkflowDir: site.gwWorkflowDir,
    outputDir,
    runDir,
    rc: site.rc,
    maxConcurrent: site.maxConcurrent,
    dagmakerScript: site.dagmakerScript,
    timing: config.timing,
    pollS: config.exposurePollS,
  };
}

/**
 * Records that this campaign holds the trigger (a file named for the trigger, made exclusively), or
 * refuses when another campaign does: two campaigns of one event would process its exposures twice.
 */
async function claimTrigger(runsDir: string, triggerId: string, workflowId: string): Promise<void> {
  const dir = join(runsDir, TRIGGERS);
  await mkdir(dir, { recursive: true, mode: 0o775 });
  const file = join(dir, safeName(triggerId));
  const claim = JSON.stringify({ workflowId, claimedAt: new Date().toISOString() }) + '\n';
  try {
    await writeFile(file, claim, { flag: 'wx', mode: 0o664 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = await readFile(file, 'utf8')
      .then((t) => (JSON.parse(t) as { workflowId?: unknown }).workflowId)
      .catch(() => undefined);
    if (holder === workflowId) return;
    throw invalidInput([
      `trigger ${triggerId} already has a campaign: ${typeof holder === 'string' ? holder : `(unreadable claim ${file})`}; ` +
        `add exposures to it (desgw event add ${triggerId} …) or see it (desgw event status ${triggerId})`,
    ]);
  }
}
