/**
 * `dryRun`: checks a run before a real night, writing nothing the run would and running no
 * DAGMaker: the list and every exposure, the season it would get, the dagmaker.rc change, and that
 * the site environment sources and finds the grid tools. Same input as `imageProcessing`.
 */
import { ActivityFailure, ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Exposure, ImageProcessingInput, RcChange } from '../common/contract.js';
import type { createActivities } from '../activities/index.js';
import { activityOptions } from './activity-policies.js';

type Activities = ReturnType<typeof createActivities>;

export interface DryRunReport {
  ok: boolean;
  problems: string[];
  exposures: Exposure[];
  duplicatesDropped: number[];
  season?: number;
  rcDiff?: string;
  rcChanges?: RcChange[];
  environment?: { variableCount: number; jobsubSubmitDag: string; envFile: string };
  gwWorkflowDir?: string;
}

export async function dryRun(input: ImageProcessingInput): Promise<DryRunReport> {
  const { validateRun, previewSeason, previewRc } = proxyActivities<Activities>(activityOptions('files'));
  const { sourceEnvironment } = proxyActivities<Activities>({
    ...activityOptions('environment'),
    retry: { maximumAttempts: 1 },
  });
  const report: DryRunReport = { ok: false, problems: [], exposures: [], duplicatesDropped: [] };
  let run;
  try {
    run = await validateRun({ ...input, workflowId: workflowInfo().workflowId });
  } catch (err) {
    report.problems.push(...problemsOf(err));
    return report;
  }
  Object.assign(report, {
    exposures: run.exposures,
    duplicatesDropped: run.duplicatesDropped,
    gwWorkflowDir: run.gwWorkflowDir,
  });
  const season = await previewSeason({ requested: input.season });
  if (season.problem) report.problems.push(season.problem);
  report.season = season.season;
  const rc = await previewRc({ gwWorkflowDir: run.gwWorkflowDir, season: season.season ?? 0, rc: run.rc });
  report.rcDiff = rc.diff;
  report.rcChanges = rc.changes;
  try {
    const env = await sourceEnvironment({ gwWorkflowDir: run.gwWorkflowDir, runDir: run.runDir });
    report.environment = {
      variableCount: env.variableCount,
      jobsubSubmitDag: env.jobsubSubmitDag,
      envFile: env.envFile,
    };
  } catch (err) {
    report.problems.push(...problemsOf(err));
  }
  report.ok = report.problems.length === 0;
  return report;
}

function problemsOf(err: unknown): string[] {
  if (!(err instanceof ActivityFailure)) throw err;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure)
    return (cause.details?.[0] as { problems?: string[] } | undefined)?.problems ?? [cause.message];
  return [cause?.message ?? err.message];
}
