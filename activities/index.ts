/**
 * The activities, built by a factory that receives their dependencies (the worker's settings, the
 * season source and the season rules), so tests hand in the sandbox site, or changed rules.
 */
import type { SeasonRules } from '../common/season-rules.js';
import type { WorkerConfig } from '../common/settings.js';
import { makeDagWith } from './make-dag.js';
import { prepareRun } from './prepare-run.js';
import { reserveSeasonWith } from './reserve-season.js';
import type { SeasonSource } from './support/season-source.js';
import { sourceEnvironmentWith } from './source-environment.js';
import { submitDagWith } from './submit-dag.js';
import type {
  MakeDagInput,
  ReserveSeasonInput,
  SourceEnvironmentInput,
  SubmitDagInput,
  ValidateCampaignInput,
  ValidateRunInput,
} from './types.js';
import { validateRunWith } from './validate-run.js';
import { writeOutputs } from './write-outputs.js';
import { priorOutcomes } from './prior-outcomes.js';
import { recordFailure } from './record-failure.js';
import { previewSeasonWith } from './preview-season.js';
import { previewRc } from './preview-rc.js';
import { resolvePostProcessingWith } from './resolve-post-processing.js';
import { checkGridWith } from './check-grid.js';
import { judgeExposuresWith } from './judge-exposures.js';
import { createPnfsReads, readerProcessFs, type PnfsFs } from './support/pnfs-reads.js';
import { runPostprocWith, writePostprocInputs } from './run-post-processing.js';
import type { CheckGridInput, JudgeExposuresInput, RunPostprocInput } from './post-processing-types.js';
import type { PostProcessingInput } from '../common/post-processing-contract.js';
import { validateCampaignWith } from './validate-campaign.js';
import { watchGridWith, type WatchGridInput } from './watch-grid.js';
import { pointLatestPageWith, type PointLatestPageInput } from './latest-page.js';
import { awaitProcessableWith, type AwaitProcessableInput } from './await-processable.js';
import { watchExposureTableWith } from './watch-exposure-table.js';
import { lookupExposuresWith } from './lookup-exposures.js';
import type { LookupExposuresInput, WatchExposureTableInput } from './campaign-types.js';

export interface ActivityDeps {
  config: WorkerConfig;
  seasons: SeasonSource;
  /** The season rules reserveSeason and previewSeason apply: today's (common/season-rules.ts) unless a test changes them. */
  rules?: SeasonRules;
  /** How /pnfs is read: the worker's /pnfs reader process unless a test or a bench hands in its own. */
  pnfsFs?: PnfsFs;
}

export function createActivities({ config, seasons, rules, pnfsFs }: ActivityDeps) {
  // One cap for every post-processing this worker serves (DESGW_PNFS_READS), started on first read.
  let fs = pnfsFs;
  const pnfs = createPnfsReads({
    slots: config.pnfsReads,
    timeoutS: config.pnfsTimeoutS,
    fs: {
      list: (dir) => (fs ??= readerProcessFs(config.pnfsReads)).list(dir),
      mtime: (file) => (fs ??= readerProcessFs(config.pnfsReads)).mtime(file),
    },
  });
  return {
    validateRun: (input: ValidateRunInput) => validateRunWith(config, input),
    reserveSeason: (input: ReserveSeasonInput) => reserveSeasonWith(config, seasons, input, rules),
    prepareRun,
    sourceEnvironment: (input: SourceEnvironmentInput) => sourceEnvironmentWith(config, input),
    makeDag: (input: MakeDagInput) => makeDagWith(config, input),
    submitDag: (input: SubmitDagInput) => submitDagWith(config, input),
    writeOutputs,
    recordFailure,
    priorOutcomes,
    previewSeason: (input: { requested: 'auto' | number }) => previewSeasonWith(config, seasons, input, rules),
    previewRc,
    // Post-processing.
    resolvePostProcessing: (input: PostProcessingInput & { workflowId: string }) =>
      resolvePostProcessingWith(config, input),
    checkGrid: (input: CheckGridInput) => checkGridWith(pnfs, input),
    judgeExposures: (input: JudgeExposuresInput) => judgeExposuresWith(pnfs, input),
    writePostprocInputs,
    runPostproc: (input: RunPostprocInput) => runPostprocWith(config, input),
    // Event campaigns.
    validateCampaign: (input: ValidateCampaignInput) => validateCampaignWith(config, input),
    watchGrid: (input: WatchGridInput) => watchGridWith(config, pnfs, input),
    pointLatestPage: (input: PointLatestPageInput) => pointLatestPageWith(config, input),
    awaitProcessable: (input: AwaitProcessableInput) => awaitProcessableWith(config, input),
    watchExposureTable: (input: WatchExposureTableInput) => watchExposureTableWith(config, input),
    lookupExposures: (input: LookupExposuresInput) => lookupExposuresWith(config, input),
  };
}
