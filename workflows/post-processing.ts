/**
 * `postProcessing`: from submitted DAGs to the candidate pages. Resolves what to process (a finished
 * run, a legacy output.txt, or a season with exposures) and checks the trigger facts and the checkout
 * before anything waits; waits for the grid, looking for each DAG's RUNEND marker every `pollS` and
 * asking jobsub_q at most once a minute, until every DAG has finished, the deadline passes or a
 * `proceed` signal comes; judges each finished exposure's CCDs and forced photometry; writes the
 * complete exposures list and postproc_<SEASON>.ini; runs run_postproc.py in the checkout, one
 * post-processing per checkout at a time (a second waits its turn, saying so); and reports how it
 * ended: the candidate page, or no candidates, or a failure that names its output, or cancelled.
 * When the DES machine's worker is away (a deploy), its activities wait for it (`waiting-for-worker`)
 * rather than fail (on-site.ts).
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  ContinueAsNew,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { PostExposure, ResolvedPostProcessing } from '../activities/post-processing-types.js';
import { errorForHistory, Failure, innermostMessage, innermostType } from '../common/failures.js';
import { leftOutWarning } from '../common/exposure-gate.js';
import { gridWaitNote } from '../common/grid-root.js';
import { duration, nextStep, oneLine, waitAdvice } from '../common/next-step.js';
import type {
  ExposureVerdict,
  GridFinish,
  GridWaitStats,
  PostProcessingInput,
  PostProcessingProgress,
  PostProcessingResult,
  VerdictSummary,
} from '../common/post-processing-contract.js';
import { describeVerdicts, leftOutExpnums } from '../common/verdict-summary.js';
import { postProcessingProgressQuery, proceedSignal, retryNowSignal } from '../common/messages.js';
import { DESGW_SEASON } from '../common/search-attributes.js';
import type { NotifySinks } from '../common/notify.js';
import { DEFAULT_TIMING } from '../common/settings.js';
import { activityOptions } from './activity-policies.js';
import {
  carriedSummary,
  checkGridInput,
  judgedSummary,
  judgeInput,
  noExposurePassedMessage,
  postProcessingResult,
} from './judging.js';
import { onSite, patient, type WorkerWait } from './on-site.js';
import { notCountingShutdowns } from './shutdowns.js';
import { StatusPublisher } from './status-publisher.js';

type Activities = ReturnType<typeof createActivities>;
const { notifier } = proxySinks<NotifySinks>();

/**
 * Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code").
 * A site activity that no worker took in time waits for one (waiting-for-worker) instead of failing.
 */
const WAITS_FOR_WORKER = 'post-processing-waits-for-worker';
/** A cancelled post-processing publishes phase and DesgwStatus `cancelled` (not `failed`) before it ends. */
const PUBLISHES_CANCELLED = 'post-processing-publishes-cancelled';

/** The site's activities, with their own options, and patient while they wait for the DES machine's worker. */
const site = (patiently: boolean) => {
  const options = (kind: 'files' | 'grid' | 'judge') =>
    patiently ? patient(activityOptions(kind)) : activityOptions(kind);
  return {
    files: proxyActivities<Activities>(options('files')),
    grid: proxyActivities<Activities>(options('grid')),
    judge: proxyActivities<Activities>(options('judge')),
  };
};
const SITE = { now: site(false), patiently: site(true) };
const postproc = proxyActivities<Activities>(activityOptions('postproc'));

/** How often a post-processing waiting for the checkout tries again (or at once on retryNow). */
const CHECKOUT_RETRY = '60 seconds';

/** Patch ids of changes to this workflow's commands (see the README, "Deploying new workflow code"). */
/** A long grid wait continues as new (came after the v4 histories, whose open runs wait on without it). */
const CONTINUES_AS_NEW = 'postproc-grid-wait-continues-as-new';
/** A long wait for a held checkout continues as new too, carrying what was judged and written. */
const CHECKOUT_WAIT_CONTINUES_AS_NEW = 'postproc-checkout-wait-continues-as-new';
/** writePostprocInputs is told the run's grid root, written as [general] rootdir. */
const INI_ROOTDIR = 'postproc-ini-rootdir';

/** What a long grid wait carries across continue-as-new. */
export interface CarriedWait {
  startedAt: string;
  run: ResolvedPostProcessing;
  finished: [number, GridFinish][];
  grid: GridWaitStats;
  /** When the wait began (workflow time, ms), for the deadline. */
  waitStartedMs: number;
  /** When jobsub_q was last asked (workflow time, ms): still at most once a minute across the new run. */
  lastQueueMs: number | null;
  /** What it showed (DesgwStatus) and since when it waits: the new run tells nobody again (absent before). */
  shownStatus?: string;
  waitingSince?: string;
  /** A long wait for the checkout: the exposures were judged and the inputs written already. */
  judged?: Judged;
}

/** The exposures judged and run_postproc.py's inputs written: all a pass needs (carried by a checkout wait). */
interface Judged {
  /** The verdicts summed up (each whole in verdicts.json). */
  summary?: VerdictSummary;
  /** What runs from before verdicts.json carried instead: every verdict. */
  verdicts?: ExposureVerdict[];
  inputs: PostprocInputs;
  proceededBecause?: 'deadline' | 'proceed-signal';
}
type PostprocInputs = Awaited<ReturnType<Activities['writePostprocInputs']>>;

export async function postProcessing(input: PostProcessingInput, carried?: CarriedWait): Promise<PostProcessingResult> {
  const { workflowId } = workflowInfo();
  const startedAt = carried?.startedAt ?? new Date().toISOString();
  const view: PostProcessingProgress = {
    workflowId,
    phase: 'resolving',
    finished: 0,
    total: 0,
    pending: [],
    grid: carried?.grid ?? { polls: 0, jobsubQCalls: 0, pnfsReads: 0, waitedS: 0 },
  };
  let proceed = false;
  let wakeups = 0;
  setHandler(postProcessingProgressQuery, () => view);
  setHandler(proceedSignal, () => void (proceed = true));
  setHandler(retryNowSignal, () => void wakeups++);
  /** Why it failed, for the notification of its end. */
  let failure: string | undefined;
  // Shows where it stands (Current Details, DesgwStatus) and tells the night's people when it waits or ends.
  const status = new StatusPublisher(
    (s) => /^(waiting-for-|done$|no-candidates$|failed$|cancelled$)/.test(s),
    (s) =>
      notifier.notify({
        workflowId,
        status: s,
        season: view.season,
        message: failure ?? view.waitingFor?.message,
        at: new Date().toISOString(),
      }),
    carried?.shownStatus,
  );
  const publish = (): void => status.show(describe(view), view);
  publish();

  /** What it waited for before the DES machine's worker went away (the grid, the checkout): shown again once it is back. */
  let beforeWorker: PostProcessingProgress['waitingFor'];
  const workerWait: WorkerWait = {
    mayWait: () => patched(WAITS_FOR_WORKER),
    tell: (waiting) => {
      if (waiting) {
        beforeWorker = view.waitingFor;
        const message = `${waiting.message}\n${waitAdvice('worker', workflowId, DEFAULT_TIMING)}`;
        view.waitingFor = { what: 'worker', message, since: new Date().toISOString() };
      } else view.waitingFor = beforeWorker;
      publish();
    },
  };
  /** Runs a site activity; while no worker takes it, waits for one (waiting-for-worker). */
  const onDesMachine = <T>(call: (a: ReturnType<typeof site>) => Promise<T>): Promise<T> =>
    onSite((patiently) => call(patiently ? SITE.patiently : SITE.now), workerWait);

  try {
    const run = carried?.run ?? (await onDesMachine((a) => a.files.resolvePostProcessing({ ...input, workflowId })));
    view.season = run.season;
    view.triggerId = run.trigger.triggerId;
    view.total = run.exposures.length;
    if (run.warnings) view.warnings = run.warnings;
    if (!carried) upsertSearchAttributes([{ key: DESGW_SEASON, value: run.season }]);

    const judged = carried?.judged ?? (await gridThenJudge(run));
    const { inputs, proceededBecause } = judged;
    const summary = carriedSummary(judged, run.minCompleteCcds);
    view.verdicts = summary;
    // The verdicts choose the list, not the candidates: say what leaving an exposure out changes.
    const gate = leftOutWarning(
      run.season,
      leftOutExpnums(summary).map((expnum) => ({ expnum })),
    );
    const warnings = [...(run.warnings ?? []), ...(gate ? [gate] : [])];
    if (warnings.length > 0) view.warnings = warnings;
    const ran = await runInCheckout(run, judged);
    view.phase = ran.outcome === 'success' ? 'done' : 'no-candidates';
    if (ran.masterHtml) view.masterHtml = ran.masterHtml;
    publish();
    return postProcessingResult({
      workflowId,
      run,
      ran,
      summary,
      inputs,
      grid: view.grid,
      ...(proceededBecause ? { proceededBecause } : {}),
      warnings,
      startedAt,
      finishedAt: new Date().toISOString(),
    });
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    // Cancelled by a person: it ends cancelled, and says so everywhere it shows.
    if (isCancellation(err) && patched(PUBLISHES_CANCELLED)) {
      view.phase = 'cancelled';
      view.waitingFor = undefined;
      log.info(`post-processing ${workflowId} was cancelled`);
      publish();
      throw err;
    }
    view.phase = 'failed';
    view.waitingFor = undefined;
    failure = errorForHistory(oneLine(innermostMessage(err)));
    view.failure = { reason: failure, next: nextStep('post-processing', workflowId, 'failed', innermostType(err)) };
    log.error(`post-processing ${workflowId} failed: ${failure} — next: ${view.failure.next}`);
    publish();
    throw err;
  }

  /** Waits for the grid, judges each exposure, and writes run_postproc.py's list and ini. */
  async function gridThenJudge(run: ResolvedPostProcessing): Promise<Judged> {
    const { finished, proceededBecause } = await waitForGrid(run);
    view.phase = 'judging';
    view.waitingFor = undefined;
    publish();
    // Every verdict goes to verdicts.json; history gets the summary (an older history's result: the verdicts).
    const judged = judgedSummary(
      await onDesMachine((a) => a.judge.judgeExposures(judgeInput(run, finished))),
      run.minCompleteCcds,
    );
    view.grid.pnfsReads += judged.pnfsReads;
    if (judged.pnfsTimeouts > 0) view.grid.pnfsTimeouts = (view.grid.pnfsTimeouts ?? 0) + judged.pnfsTimeouts;
    const summary = judged.summary;
    view.verdicts = summary;
    if (summary.passed.length === 0) {
      throw ApplicationFailure.create({
        type: Failure.NoExposurePassed,
        nonRetryable: true,
        message: noExposurePassedMessage(summary),
      });
    }

    // [general] rootdir: where this run's grid jobs wrote (the activity's input grew a field).
    const rootdir = patched(INI_ROOTDIR) ? { rootdir: run.pnfsRoot } : {};
    const inputs = await onDesMachine((a) =>
      a.files.writePostprocInputs({
        workflowId,
        season: run.season,
        expnums: summary.passed,
        bands: summary.passedBands,
        trigger: run.trigger,
        postProcessingDir: run.postProcessingDir,
        outputDir: run.outputDir,
        ...rootdir,
      }),
    );
    return { summary, inputs, ...(proceededBecause ? { proceededBecause } : {}) };
  }

  /**
   * Waits until every DAG has finished, or the deadline, or `proceed`. Each poll is one activity:
   * a stat per pending exposure's RUNEND marker, and jobsub_q when a minute has passed since the last.
   */
  async function waitForGrid(
    run: ResolvedPostProcessing,
  ): Promise<{ finished: Map<number, GridFinish>; proceededBecause?: 'deadline' | 'proceed-signal' }> {
    const finished = new Map<number, GridFinish>(carried?.finished ?? []);
    const pending = (): PostExposure[] => run.exposures.filter((e) => !finished.has(e.expnum));
    const started = carried?.waitStartedMs ?? Date.now();
    const deadline = started + run.gridDeadlineHours * 3600_000;
    let lastQueue = carried?.lastQueueMs ?? -Infinity;
    view.phase = 'waiting-for-grid';
    for (;;) {
      const now = Date.now();
      const askQueue = now - lastQueue >= run.jobsubQEveryS * 1000;
      const r = await onDesMachine((a) => a.grid.checkGrid(checkGridInput(run, pending(), askQueue)));
      if (r.jobsubQCalls > 0) lastQueue = now;
      if (r.pnfsTimeouts) view.grid.pnfsTimeouts = (view.grid.pnfsTimeouts ?? 0) + r.pnfsTimeouts;
      for (const f of r.finished) finished.set(f.expnum, f.how);
      view.grid.polls++;
      view.grid.jobsubQCalls += r.jobsubQCalls;
      view.grid.pnfsReads += r.pnfsReads;
      view.grid.waitedS = Math.round((Date.now() - started) / 1000);
      view.finished = finished.size;
      view.pending = pending().map((e) => e.expnum);
      if (view.pending.length === 0) return { finished };
      if (proceed || Date.now() >= deadline) {
        const proceededBecause = proceed ? 'proceed-signal' : 'deadline';
        log.info('going on before every DAG finished', { proceededBecause, pending: view.pending });
        return { finished, proceededBecause };
      }
      const sleepS = Math.min(run.pollS, Math.max(1, (deadline - Date.now()) / 1000));
      view.lastCheckAt = new Date().toISOString();
      view.nextCheckAt = new Date(Date.now() + sleepS * 1000).toISOString();
      view.waitingFor = {
        what: 'grid',
        message: `${finished.size} of ${run.exposures.length} DAGs finished${r.queueProblem ? ` (jobsub_q: ${r.queueProblem})` : ''}${gridWaitNote(pending(), run.envFile !== undefined, r.staleRunEnds)}; looked at ${view.lastCheckAt}, again every ${duration(run.pollS)} until the deadline ${new Date(deadline).toISOString()}; to go on now with what has finished: desgw proceed ${workflowId}`,
        since: view.waitingFor?.since ?? carried?.waitingSince ?? new Date().toISOString(),
      };
      publish();
      await condition(() => proceed, sleepS * 1000);
      if (!proceed && historyFull(run) && patched(CONTINUES_AS_NEW)) {
        const next: CarriedWait = {
          startedAt,
          run,
          finished: [...finished],
          grid: view.grid,
          waitStartedMs: started,
          lastQueueMs: Number.isFinite(lastQueue) ? lastQueue : null,
          shownStatus: status.status,
          ...(view.waitingFor ? { waitingSince: view.waitingFor.since } : {}),
        };
        await continueAsNew<typeof postProcessing>(input, next);
      }
    }
  }

  /** Runs run_postproc.py; while another post-processing holds the checkout, waits its turn. */
  async function runInCheckout(run: ResolvedPostProcessing, judged: Judged) {
    const { inputs } = judged;
    for (;;) {
      view.phase = 'running-postproc';
      publish();
      try {
        // A deploy that stops it is not its failure: run again, with its retries less only real failures,
        // and its worker away for the deploy: the re-run waits for one.
        const r = await notCountingShutdowns(activityOptions('postproc'), (o) =>
          onSite(
            (patiently) =>
              postproc.runPostproc.executeWithOptions(patiently ? patient(o) : o, [
                {
                  workflowId,
                  season: run.season,
                  postProcessingDir: run.postProcessingDir,
                  outputDir: run.outputDir,
                  inputs,
                  skipTo: run.skipTo,
                },
              ]),
            workerWait,
          ),
        );
        view.waitingFor = undefined;
        return r;
      } catch (err) {
        const cause = err instanceof ActivityFailure ? err.cause : undefined;
        if (!(cause instanceof ApplicationFailure) || cause.type !== Failure.CheckoutBusy) throw err;
        view.phase = 'waiting-for-checkout';
        view.lastCheckAt = new Date().toISOString();
        view.waitingFor = {
          what: 'checkout',
          message: `${oneLine(cause.message)}; tried again every ${CHECKOUT_RETRY} (last at ${view.lastCheckAt}); to try now: desgw retry-now ${workflowId}`,
          since: view.waitingFor?.since ?? carried?.waitingSince ?? new Date().toISOString(),
        };
        publish();
        // A wait of days for a held checkout continues as new before its history grows large.
        if (historyFull(run) && patched(CHECKOUT_WAIT_CONTINUES_AS_NEW)) {
          await continueAsNew<typeof postProcessing>(input, {
            startedAt,
            run,
            finished: [],
            grid: view.grid,
            waitStartedMs: 0,
            lastQueueMs: null,
            shownStatus: status.status,
            waitingSince: view.waitingFor.since,
            judged,
          });
        }
        const seen = wakeups;
        await condition(() => wakeups > seen, CHECKOUT_RETRY);
      }
    }
  }
}

/** A wait of hours polls hundreds of times: it continues as new before its history grows large. */
function historyFull(run: ResolvedPostProcessing): boolean {
  return workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > (run.historyEventLimit ?? 10_000);
}

/** Current Details: a few lines of Markdown. */
function describe(v: PostProcessingProgress): string {
  const lines = [
    `**post-processing** ${v.phase}${v.season ? `, season ${v.season}` : ''}${v.triggerId ? `, ${v.triggerId}` : ''}`,
  ];
  if (v.failure) lines.push(`**Failed:** ${v.failure.reason}`, `**Next:** ${v.failure.next}`);
  if (v.total > 0) lines.push(`grid: ${v.finished} of ${v.total} DAGs finished`);
  if (v.verdicts) lines.push(describeVerdicts(v.verdicts));
  if (v.waitingFor) lines.push(`waiting for ${v.waitingFor.what} since ${v.waitingFor.since}: ${v.waitingFor.message}`);
  if (v.masterHtml) lines.push(`candidates: ${v.masterHtml}`);
  return lines.join('\n\n');
}
