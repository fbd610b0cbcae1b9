/**
 * One exposure's `processExposure` child, started and awaited for a run or a campaign: its id, its
 * search attributes and its input from the run's season, directory, environment and pacing. Whatever
 * happens to the child, the caller gets the exposure's report (a child that could not start, or was
 * terminated, reports that): one exposure never fails the run. Only a cancellation goes through.
 */
import { isCancellation, patched, startChild } from '@temporalio/workflow';
import type { Exposure, ExposureResult } from '../common/contract.js';
import { workDirOf } from '../common/run-files.js';
import { DESGW_BAND, DESGW_EXPOSURE, DESGW_NITE, DESGW_SEASON } from '../common/search-attributes.js';
import { isTestSeason } from '../common/season-rules.js';
import type { RunTiming } from '../common/settings.js';
import { exposureWorkflowId, processExposure } from './process-exposure.js';
import type { RunProgress } from './progress.js';
import { failedReport } from './result.js';
import type { Signals } from './run-signals.js';

/** A child of a shared test season (2206, 2208) has an id of its own run's (exposureWorkflowId). */
const CHILD_ID_PER_RUN = 'shared-season-child-id-per-run';

/** What every child of a run shares. */
export interface ChildContext {
  /** The run or campaign (its children tell it their states). */
  workflowId: string;
  season: number;
  runDir: string;
  envFile: string;
  dagmakerScript: string;
  timing: RunTiming;
  progress: RunProgress;
  signals: Signals;
  /** What the child tells its parent: its waits only (a campaign), or every move too (a run: absent). */
  parentHears?: 'waits';
}

/**
 * Runs the exposure's child to its end and hands `record` its report (a failed one when the child
 * failed) before the child is let go: the order of what the run publishes stays as it always was.
 */
export async function exposureChild(
  exposure: Exposure,
  c: ChildContext,
  record: (report: ExposureResult) => void,
): Promise<void> {
  const { season, timing } = c;
  const { children, live } = c.signals;
  live.add(exposure.expnum);
  c.progress.setState(exposure.expnum, 'making-dag');
  try {
    // On a shared test season the child's id names this run: another run may process the same exposure.
    const perRun = isTestSeason(season) && patched(CHILD_ID_PER_RUN);
    const child = await startChild(processExposure, {
      workflowId: exposureWorkflowId(season, exposure.expnum, perRun ? c.workflowId : undefined),
      staticSummary: `exposure ${exposure.expnum} (${exposure.band}, ${exposure.nite}), season ${season}`,
      typedSearchAttributes: [
        { key: DESGW_SEASON, value: season },
        { key: DESGW_EXPOSURE, value: exposure.expnum },
        { key: DESGW_BAND, value: exposure.band },
        { key: DESGW_NITE, value: [exposure.nite] },
      ],
      args: [
        {
          ...exposure,
          season,
          workDir: workDirOf(exposure.expnum, c.runDir),
          envFile: c.envFile,
          dagmakerScript: c.dagmakerScript,
          parentWorkflowId: c.workflowId,
          proxyRecheckS: timing.proxyRecheckS,
          outageRecheckS: timing.outageRecheckS,
          outageRecheckMaxS: timing.outageRecheckMaxS,
          retryInitialIntervalS: timing.retryInitialIntervalS,
          historyEventLimit: timing.historyEventLimit,
          ...(c.parentHears ? { parentHears: c.parentHears } : {}),
        },
      ],
    });
    children.set(exposure.expnum, child);
    record(await child.result());
  } catch (err) {
    if (isCancellation(err)) throw err;
    record(failedReport(err, exposure));
  } finally {
    children.delete(exposure.expnum);
    live.delete(exposure.expnum);
    c.progress.childClosed(exposure.expnum);
  }
}
