/**
 * `processExposure`: one exposure, DAGMaker then submission of the DAG it wrote.
 * Orchestration only; the side effects are the `makeDag` and `submitDag` activities.
 *
 * What a person or the site must fix is not a failure of the exposure: an expired grid proxy, jobsub
 * or the DES database down. After the activity's quick retries the child tells its parent once that
 * it waits, then tries the step again once per re-check (the proxy every `proxyRecheckS`, an outage
 * with backoff) or at once on `proxyRenewed`/`retryNow`, telling the parent nothing more until its
 * state really changes: a wait of days costs the parent nothing.
 */
import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Exposure, ExposureResult, ExposureState } from '../common/contract.js';
import { errorForHistory, Failure, type WaitingFor } from '../common/failures.js';
import type { createActivities } from '../activities/index.js';
import type { MakeDagResult } from '../activities/types.js';
import { exposurePaths } from '../common/run-files.js';
import { activityOptions, WORKER_WAIT } from './activity-policies.js';
import {
  activityAttemptFailedSignal,
  exposureStateSignal,
  exposureWaitQuery,
  proxyRenewedSignal,
  retryNowSignal,
  type ExposureWait,
} from '../common/messages.js';
import { waitAdvice } from '../common/next-step.js';
import { waitOf, waitOut, type Recheck } from './wait-out.js';
import { notCountingShutdowns } from './shutdowns.js';
import { countingAttempts } from './attempts.js';
import { DEFAULT_TIMING } from '../common/settings.js';
import { isTestSeason } from '../common/season-rules.js';

type Activities = ReturnType<typeof createActivities>;

/** Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code"). */
const WAIT_ONCE = 'wait-tells-parent-once';
/** The failure record that no worker took in time waits for one (waiting-for-worker), as every step does. */
const RECORD_WAITS_FOR_WORKER = 'record-failure-waits-for-worker';
/** A long wait (a proxy for days, an outage) continues as new before its history grows large. */
const WAIT_CONTINUES_AS_NEW = 'exposure-wait-continues-as-new';

/** What an exposure that continued as new in a long wait carries to its next execution. */
export interface CarriedExposure {
  /** Its DAG, when it was made (the submission waited): not made again. */
  dag?: Pick<MakeDagResult, 'recommendedSubmit' | 'warnings' | 'durationMs'>;
  attempts: { dagmaker: number; submit: number };
  startedMs: number;
  /** What it waited for, already told to the parent (not told again), and since when. */
  waiting: { what: WaitingFor; since: string };
  continuedAsNew: number;
}

export interface ProcessExposureInput extends Exposure {
  season: number;
  workDir: string;
  envFile: string;
  dagmakerScript: string;
  /** The parent run, told when the exposure changes state. */
  parentWorkflowId: string;
  /** Seconds between proxy re-checks while waiting for a renewed one. */
  proxyRecheckS: number;
  /** Seconds to the first re-check of an outage, and the most between two (backoff doubles). */
  outageRecheckS?: number;
  outageRecheckMaxS?: number;
  /** The run's first retry interval, when it sets one (see activity-policies). */
  retryInitialIntervalS?: number;
  /** Events after which a long wait continues as new (the site's DESGW_HISTORY_EVENT_LIMIT). */
  historyEventLimit?: number;
  /**
   * `waits`: the parent hears of the exposure's waits only, not of its move from DAGMaker to
   * submission (an event campaign's history stays small over a night; absent: it hears of both).
   */
  parentHears?: 'waits';
}

export async function processExposure(input: ProcessExposureInput, carried?: CarriedExposure): Promise<ExposureResult> {
  const { expnum, workDir } = input;
  const dagmakerOptions = {
    ...activityOptions('dagmaker', input.retryInitialIntervalS),
    summary: `DAGMaker ${expnum} (${input.band}, ${input.nite})`,
  };
  const submitOptions = { ...activityOptions('submit', input.retryInitialIntervalS), summary: `submit ${expnum}` };
  const { makeDag } = proxyActivities<Activities>(dagmakerOptions);
  const { submitDag } = proxyActivities<Activities>(submitOptions);
  const recordOptions = activityOptions('record');
  const { recordFailure } = proxyActivities<Activities>(recordOptions);
  const started = carried?.startedMs ?? Date.now();
  const result: ExposureResult = {
    expnum,
    band: input.band,
    nite: input.nite,
    ...exposurePaths(expnum, runDirOf(workDir)),
    status: 'failed',
    warnings: [],
    attempts: carried ? { ...carried.attempts } : { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
  };
  const parent = getExternalWorkflowHandle(input.parentWorkflowId);
  const tell = (state: ExposureState, message?: string, note?: string) =>
    parent.signal(exposureStateSignal, {
      expnum,
      state,
      message,
      childRunId: workflowInfo().firstExecutionRunId,
      ...(note ? { note } : {}),
    });

  let wakeups = 0;
  setHandler(proxyRenewedSignal, () => void wakeups++);
  setHandler(retryNowSignal, () => void wakeups++);

  const recheck: Recheck = {
    proxyS: input.proxyRecheckS,
    outageS: input.outageRecheckS ?? DEFAULT_TIMING.outageRecheckS,
    outageMaxS: input.outageRecheckMaxS ?? DEFAULT_TIMING.outageRecheckMaxS,
  };
  // What it waits for and when it last checked: its own Current Details and the exposureWait query
  // (a re-check that changed nothing tells the parent nothing).
  const waitView: ExposureWait = { expnum, state: carried?.dag ? 'submitting' : 'making-dag' };
  setHandler(exposureWaitQuery, () => waitView);
  const pace = {
    proxyRecheckS: recheck.proxyS,
    outageRecheckS: recheck.outageS,
    outageRecheckMaxS: recheck.outageMaxS,
  };
  const showWait = () =>
    setCurrentDetails(describeWait(waitView, waitAdvice(waitView.what ?? '', input.parentWorkflowId, pace)));
  const moveOn = (state: ExposureState) => {
    for (const k of ['what', 'message', 'since', 'lastCheck', 'nextCheckAt', 'retrying'] as const) delete waitView[k];
    waitView.state = state;
    showWait();
  };
  showWait();
  /**
   * Runs a step; what it fails for that is waited out (WAITS), it waits out, telling the parent once.
   * `patch`: a step that waits only in histories that reach its wait under that patch.
   */
  const step = async <T>(
    state: ExposureState,
    options: ActivityOptions,
    run: (o: ActivityOptions) => Promise<T>,
    patch?: string,
  ): Promise<T> => {
    try {
      return await run(options);
    } catch (err) {
      const waiting = waitOf(err);
      if (!waiting || (patch !== undefined && !patched(patch))) throw err;
      if (!patched(WAIT_ONCE)) return legacyProxyWait(state, () => run(options), err);
      const once = { ...options, retry: { ...options.retry, maximumAttempts: 1 } };
      // Waiting for a worker, the task waits long to start, and keeps its quick retries once it has.
      const patient = { ...options, scheduleToStartTimeout: WORKER_WAIT };
      const r = await waitOut(
        waiting,
        recheck,
        () => wakeups,
        (w) => {
          Object.assign(waitView, { state: WAITING_STATE[w.what], what: w.what, message: w.message });
          // The wait an earlier execution told the parent of goes on: not told again.
          const goesOn = toldBefore?.what === w.what;
          waitView.since = goesOn ? toldBefore!.since : new Date().toISOString();
          toldBefore = undefined;
          delete waitView.lastCheck;
          showWait();
          return goesOn ? undefined : tell(WAITING_STATE[w.what], w.message);
        },
        (what) => run(what === 'worker' ? patient : once),
        (rechecked) => {
          Object.assign(waitView, rechecked);
          showWait();
        },
        {
          full: () =>
            (workflowInfo().continueAsNewSuggested ||
              workflowInfo().historyLength > (input.historyEventLimit ?? DEFAULT_TIMING.historyEventLimit)) &&
            patched(WAIT_CONTINUES_AS_NEW),
          carryOn: (w) =>
            continueAsNew<typeof processExposure>(input, {
              ...(madeDag ? { dag: madeDag } : {}),
              attempts: result.attempts,
              startedMs: started,
              waiting: { what: w.what, since: waitView.since ?? new Date().toISOString() },
              continuedAsNew: (carried?.continuedAsNew ?? 0) + 1,
            }),
        },
      );
      moveOn(state);
      return r;
    }
  };

  /** How an open run that started waiting for a proxy before WAIT_ONCE waits: as it did then. */
  const legacyProxyWait = async <T>(state: ExposureState, run: () => Promise<T>, first: unknown): Promise<T> => {
    let err = first;
    for (;;) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
      if (!(cause instanceof ApplicationFailure && cause.type === Failure.ProxyExpired)) throw err;
      await tell('waiting-for-proxy', cause.message);
      const seen = wakeups;
      await condition(() => wakeups > seen, input.proxyRecheckS * 1000);
      await tell(state);
      try {
        return await run();
      } catch (again) {
        err = again;
      }
    }
  };

  /** The wait an earlier execution (before continuing as new) told the parent of. */
  let toldBefore = carried?.waiting;
  /** The DAG, once made (carried across continue-as-new with the submission's wait). */
  let madeDag = carried?.dag;
  let stage: 'dagmaker' | 'submit' = madeDag ? 'submit' : 'dagmaker';
  // A failed attempt the worker told of (workers/attempt-interceptor.ts): shown here and in the run
  // while the retry waits, e.g. `attempt 3 of 6: jobsub did not answer …`.
  setHandler(activityAttemptFailedSignal, ({ activityType, attempt, message }) => {
    const of = activityType === 'makeDag' ? 'dagmaker' : 'submit';
    const max = (of === 'dagmaker' ? dagmakerOptions : submitOptions).retry?.maximumAttempts ?? 0;
    // A late word from a step already done, the last attempt, or a wait's own single attempts.
    if (of !== stage || waitView.what || attempt >= max) return;
    waitView.retrying = `attempt ${attempt + 1} of ${max}: ${message}`;
    showWait();
    tell(waitView.state, undefined, waitView.retrying).catch(() => undefined);
  });
  // Every attempt of each activity execution counts, whatever ended it (workflows/attempts.ts).
  const counted =
    <T extends { attempt: number }>(call: (o: ActivityOptions) => Promise<T>) =>
    (o: ActivityOptions): Promise<T> =>
      countingAttempts(o, call, (n) => (result.attempts[stage] += n));
  try {
    const dag =
      madeDag ??
      (await step('making-dag', dagmakerOptions, (o) =>
        notCountingShutdowns(
          o,
          counted((oo) =>
            makeDag.executeWithOptions(oo, [{ expnum, workDir, envFile: input.envFile, script: input.dagmakerScript }]),
          ),
        ),
      ));
    result.durationsMs.dagmaker = dag.durationMs;
    result.warnings = dag.warnings;
    if (!madeDag) {
      madeDag = { recommendedSubmit: dag.recommendedSubmit, warnings: dag.warnings, durationMs: dag.durationMs };
      stage = 'submit';
      moveOn('submitting');
      // Not awaited: the parent's progress need not hold up the submission.
      if (input.parentHears !== 'waits') tell('submitting').catch(() => undefined);
    }
    const sub = await step('submitting', submitOptions, (o) =>
      notCountingShutdowns(
        o,
        counted((oo) =>
          submitDag.executeWithOptions(oo, [
            { expnum, workDir, envFile: input.envFile, recommendedSubmit: dag.recommendedSubmit },
          ]),
        ),
      ),
    );
    result.durationsMs.submit = sub.durationMs;
    result.jobId = sub.jobId;
    if (sub.recovered) result.recovered = true;
    result.status = 'submitted';
    result.durationsMs.total = Date.now() - started;
    moveOn('submitted');
    return result;
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    const error = `${stage === 'dagmaker' ? 'DAGMaker' : 'submission'} failed: ${cause?.message ?? err.message}`;
    result.error = errorForHistory(error);
    result.durationsMs.total = Date.now() - started;
    moveOn('failed');
    // Kept whole beside the exposure's files, so a resumed run knows it failed for good; while the
    // DES machine's worker is away, the record waits for it (waiting-for-worker) like every step.
    await CancellationScope.nonCancellable(() =>
      step(
        'failed',
        recordOptions,
        (o) => recordFailure.executeWithOptions(o, [{ workDir, expnum, error }]),
        RECORD_WAITS_FOR_WORKER,
      ),
    );
    // The exposure fails (visible as a failed child in the Web UI), carrying its report for the parent.
    throw ApplicationFailure.nonRetryable(result.error, Failure.ExposureFailed, result);
  }
}

/** The child's Current Details: its state, and while it waits, since when, the last re-check and what to do. */
function describeWait(w: ExposureWait, advice: string): string {
  if (!w.what) return `**exposure ${w.expnum}** · ${w.state}${w.retrying ? ` (${w.retrying})` : ''}`;
  const lines = [`**exposure ${w.expnum}** · ${w.state} since ${w.since ?? '?'}`];
  if (w.lastCheck) lines.push(`last re-check ${w.lastCheck.at}: ${w.lastCheck.found}`);
  if (w.nextCheckAt) lines.push(`next re-check ${w.nextCheckAt}`);
  lines.push(
    `**Next:** ${advice}`,
    w.message && w.message.length > 600 ? `${w.message.slice(0, 600)}…` : (w.message ?? ''),
  );
  return lines.join('\n\n');
}

/** The exposure's state while its step waits for `what`. */
const WAITING_STATE: Record<WaitingFor, ExposureState> = {
  proxy: 'waiting-for-proxy',
  jobsub: 'waiting-for-jobsub',
  database: 'waiting-for-database',
  worker: 'waiting-for-worker',
  // Only the run waits for its environment; an exposure never does.
  environment: 'waiting',
};

/**
 * An exposure's child workflow id, the one function the run and `desgw status` derive it with. The
 * same season and exposure map to the same id (`desgw-season-612-exp-1210447`), so a person finds
 * it. A shared test season (2206, 2208) is processed by several runs at once, perhaps the same
 * exposure: given the run's id (`run`), a child of a shared season also names its run
 * (`desgw-season-2206-exp-941225-of-<run>`), so two runs' children never collide.
 */
export function exposureWorkflowId(season: number, expnum: number, run?: string): string {
  const id = `desgw-season-${season}-exp-${expnum}`;
  return run !== undefined && isTestSeason(season) ? `${id}-of-${run}` : id;
}

function runDirOf(workDir: string): string {
  return workDir.slice(0, workDir.lastIndexOf('/'));
}
