/**
 * The steps a run and a campaign take on the DES machine before their exposures: reserving the
 * season (waiting for the DES database when it does not answer) and sourcing the site environment
 * (waiting for a person to fix it), each waiting for the DES machine's worker when it is away. Both
 * doors take them the same way, so they wait, tell and wake the same way.
 */
import { ActivityFailure, condition, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { SourcedEnvironment } from '../activities/types.js';
import { waitAdvice } from '../common/next-step.js';
import { DEFAULT_TIMING, type RunTiming } from '../common/settings.js';
import { activityOptions, WORKER_WAIT } from './activity-policies.js';
import { onSite } from './on-site.js';
import type { RunProgress } from './progress.js';
import type { Signals } from './run-signals.js';
import { waitOf, waitOut } from './wait-out.js';

type Activities = ReturnType<typeof createActivities>;

const WAIT_FOR_DATABASE = 'season-waits-for-database';

/**
 * The activities of a run's own steps, with its retry pacing; `patient`: for when the DES machine's
 * worker is down, each task waits long to start (and starts the moment a worker takes it).
 */
function stepActivities(retryS: number | undefined, patient = false) {
  const options = (kind: Parameters<typeof activityOptions>[0]) => ({
    ...activityOptions(kind, retryS),
    ...(patient ? { scheduleToStartTimeout: WORKER_WAIT } : {}),
  });
  return {
    files: proxyActivities<Activities>(options('files')),
    season: proxyActivities<Activities>(options('season')),
    seasonOnce: proxyActivities<Activities>({ ...options('season'), retry: { maximumAttempts: 1 } }),
    environment: proxyActivities<Activities>(options('environment')),
  };
}
export type StepActivities = ReturnType<typeof stepActivities>;

export class SiteSteps {
  protected readonly workflowId = workflowInfo().workflowId;
  /** The site's pacing: known once the input is validated (a continued workflow carries it). */
  protected timing: RunTiming = DEFAULT_TIMING;
  private activities = stepActivities(undefined);
  private patient = stepActivities(undefined, true);

  constructor(
    protected readonly progress: RunProgress,
    protected readonly signals: Signals,
  ) {}

  /** Paces the rest as the site says (runs from before the site said carry none). */
  pace(timing: RunTiming | undefined): void {
    this.timing = timing ?? DEFAULT_TIMING;
    this.progress.pace = { ...DEFAULT_TIMING, ...this.timing };
    this.activities = stepActivities(this.timing.retryInitialIntervalS);
    this.patient = stepActivities(this.timing.retryInitialIntervalS, true);
  }

  /**
   * Runs a step on the DES machine. When no worker takes its task in time, the workflow shows
   * `waiting-for-worker` and waits on, the task starting the moment a worker takes it.
   */
  onSite<T>(call: (a: StepActivities) => Promise<T>): Promise<T> {
    return onSite((patiently) => call(patiently ? this.patient : this.activities), {
      tell: (waiting) => {
        const message = `${waiting?.message}\n${waitAdvice('worker', this.workflowId, this.progress.pace)}`;
        this.progress.runWaits(waiting ? { ...waiting, message, since: new Date().toISOString() } : undefined, {
          show: true,
        });
      },
    });
  }

  /**
   * Reserves the season (decided by the activity, recorded by the season registry and in the run
   * directory's season.json). When the DES database does not answer after the quick retries, it
   * waits for it (waiting-for-database), re-checking with backoff or at once on retryNow.
   */
  async reserveSeasonOrWait(requested: 'auto' | number, runDir: string): Promise<{ season: number }> {
    const { progress, workflowId } = this;
    // runDir: where the activity writes season.json (an activity's input, not a command: no patch needed).
    const request = { owner: workflowId, requested, runDir };
    try {
      return await this.onSite((a) => a.season.reserveSeason(request));
    } catch (err) {
      const waiting = waitOf(err);
      if (waiting?.what !== 'database' || !patched(WAIT_FOR_DATABASE)) throw err;
      const { proxyRecheckS: proxyS, outageRecheckS: outageS, outageRecheckMaxS: outageMaxS } = this.timing;
      const recheck = { proxyS, outageS, outageMaxS };
      const reservation = await waitOut(
        waiting,
        recheck,
        this.signals.wakeups,
        (w) => {
          const message = `${w.message}\n${waitAdvice(w.what, workflowId, progress.pace)}`;
          progress.runWaits({ what: w.what, message, since: new Date().toISOString() }, { show: true });
        },
        () => this.onSite((a) => a.seasonOnce.reserveSeason(request)),
      );
      progress.runWaits(undefined, { show: false });
      return reservation;
    }
  }

  /** Sources the environment; when that keeps failing, waits for a person to fix it and signal. */
  async sourceEnvironmentOrWait(gwWorkflowDir: string, runDir: string): Promise<SourcedEnvironment> {
    const { progress, workflowId } = this;
    for (;;) {
      try {
        const env = await this.onSite((a) => a.environment.sourceEnvironment({ gwWorkflowDir, runDir }));
        progress.runWaits(undefined, { show: false });
        return env;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.view.phase = 'waiting-for-environment';
        const message = `${err.cause?.message ?? err.message}\n${waitAdvice('environment', workflowId, progress.pace)}`;
        progress.runWaits({ what: 'environment', message, since: new Date().toISOString() }, { show: true });
        const seen = this.signals.environmentRetries();
        await condition(() => this.signals.environmentRetries() > seen);
        progress.phase('sourcing-environment');
      }
    }
  }
}
