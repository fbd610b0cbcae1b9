/**
 * `eventCampaign`: one GW event, over as many nights as it is observed. It reserves a season once
 * and holds it; takes the event's exposures as the telescope makes them (a long-poll on SISPI's
 * exposure table, and `addExposures` from people and other feeders) through one admission that
 * deduplicates by EXPNUM; waits for each one's raw image at Fermilab, then starts its
 * `processExposure` child at once when a slot of the window is free; watches the grid with one
 * long-poll; runs post-processing in passes over every finished exposure so far; and on
 * `closeCampaign` finishes what it holds, runs the last pass, writes the event's output.txt and
 * manifest.json and completes. It shares the list run's machinery: the window (a queue), the
 * exposure child, the season and environment steps, what children and people tell it.
 *
 * It waits rather than fails for what the site or a person fixes (the exposure table, the worker, a
 * proxy, the environment), idles between nights without a timer a minute, and continues as new when
 * its history grows, carrying every exposure, the watcher's cursor and the passes.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  ContinueAsNew,
  continueAsNew,
  executeChild,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { PreparedRun, SourcedEnvironment, ValidatedCampaign } from '../activities/types.js';
import type {
  AddExposuresAnswer,
  CampaignExposure,
  CampaignPhase,
  CampaignProgress,
  EventCampaignInput,
  EventCampaignResult,
} from '../common/campaign-contract.js';
import type { ExposureResult } from '../common/contract.js';
import { type ExposureRow, admissionOf } from '../common/exposure-admission.js';
import { errorForHistory, innermostMessage, innermostType, Failure } from '../common/failures.js';
import { addExposuresUpdate, campaignProgressQuery, closeCampaignUpdate, progressQuery } from '../common/messages.js';
import { nextStep, oneLine, waitAdvice } from '../common/next-step.js';
import { packResult, unpackResult, type PackedResult } from '../common/outcome-codec.js';
import { passDecision } from '../common/pass-policy.js';
import { DESGW_SEASON, DESGW_TRIGGER } from '../common/search-attributes.js';
import { activityOptions } from './activity-policies.js';
import { CampaignBook, type BookState } from './campaign-book.js';
import { exposureChild } from './exposure-child.js';
import { onSite, patient } from './on-site.js';
import { postProcessing } from './post-processing.js';
import { RunProgress } from './progress.js';
import { buildResult, type Outcome, outcomeOf, outputsOf, withoutExposure } from './result.js';
import { listen } from './run-signals.js';
import { SiteSteps } from './site-steps.js';
import { waitOf } from './wait-out.js';
import { unlessStopped } from './unless-stopped.js';
import { WorkQueue } from './window.js';

type Activities = ReturnType<typeof createActivities>;

/** The campaign's long-polls: each returns with news, or after this long with none (the table's watcher idles longest). */
const LONG_POLL_S = 600;
const TABLE_POLL_S = 1800;
/** The grid's long-poll returns at most this often while DAGs finish (gathering those that finish meanwhile). */
const GRID_SETTLE_S = 60;
/** After closeCampaign, how long an exposure may still wait for its raw image before it is given up. */
const RAW_GRACE_AFTER_CLOSE_MS = 3600_000;
/** A campaign continues as new past this many events (or the site's limit, if lower), or after this many nights. */
const NIGHTS_PER_EXECUTION = 3;

/** The campaign's long-polls on the DES machine (activity-policies.ts), patient while its worker is away. */
const longPoll = (patiently: boolean) =>
  proxyActivities<Activities>(patiently ? patient(activityOptions('longPoll')) : activityOptions('longPoll'));
const LONG_POLL = { now: longPoll(false), patiently: longPoll(true) };

/** What the campaign carries across continue-as-new. */
export interface CarriedCampaign {
  startedAt: string;
  campaign: ValidatedCampaign;
  season: number;
  prepared: PreparedRun;
  env: SourcedEnvironment;
  book: BookState;
  /** The rows of exposures still waiting for their raw image (appended to the run's list once processable). */
  pendingRows: ExposureRow[];
  outcomes: PackedResult[];
  passes: number;
  continuedAsNew: number;
  shownStatus?: string;
}

export async function eventCampaign(
  input: EventCampaignInput,
  carried?: CarriedCampaign,
): Promise<EventCampaignResult> {
  const { workflowId } = workflowInfo();
  const progress = new RunProgress(workflowId, carried?.continuedAsNew ?? 0, carried?.shownStatus);
  setHandler(progressQuery, () => progress.view);
  const signals = listen(progress);
  const book = new CampaignBook(carried?.book, input.watchDatabase === true);
  const steps = new SiteSteps(progress, signals);
  const pendingRows = new Map<number, ExposureRow>((carried?.pendingRows ?? []).map((r) => [r.expnum, r]));
  const outcomes = new Map<number, Outcome>();
  for (const p of carried?.outcomes ?? []) {
    const o = withoutExposure(unpackResult(p));
    outcomes.set(o.expnum, o);
  }
  let phase: CampaignPhase = carried ? 'open' : 'setting-up';
  let failure: CampaignProgress['failure'];
  let set: Omit<CarriedCampaign, 'book' | 'pendingRows' | 'outcomes' | 'passes' | 'continuedAsNew'> | undefined =
    carried;
  const campaignView = (): CampaignProgress =>
    book.view(
      {
        workflowId,
        triggerId: input.triggerId,
        propid: input.propid,
        ...(set ? { season: set.season } : {}),
        phase,
        ...(progress.view.waitingFor ? { waitingFor: progress.view.waitingFor } : {}),
        continuedAsNew: progress.view.continuedAsNew,
        ...(failure ? { failure } : {}),
      },
      (e) => progress.stateOf(e),
    );
  setHandler(campaignProgressQuery, campaignView);
  // The exposures of earlier executions, as they stand, in the run's progress too.
  for (const e of book.all) {
    const state =
      e.state === 'grid-finished'
        ? 'submitted'
        : e.state === 'waiting-for-raw-image' || e.state === 'queued'
          ? 'waiting'
          : e.state;
    progress.add(e, state, { ...(e.jobId ? { jobId: e.jobId } : {}), ...(e.error ? { error: e.error } : {}) });
  }

  const queue: WorkQueue<CampaignExposure> = new WorkQueue<CampaignExposure>({
    maxConcurrent: input.maxConcurrent ?? 5,
    paused: () => draining || progress.waiting((w) => w === 'proxy').length > 0,
    historyFull: () => false,
    runOne: (e) => processOne(e),
    carryOn: () => Promise.reject(new Error('the campaign continues as new by itself')),
    taken: (e) => {
      const now = new Date().toISOString();
      e.state = 'making-dag';
      e.dagmakerStartedAt = now;
      if (e.processableAt) e.latencyMs = Date.parse(now) - Date.parse(e.processableAt);
    },
  });
  for (const e of book.in('queued')) queue.push(e);
  /** New work is held while the campaign drains to continue as new. */
  let draining = false;
  let passRunning = false;
  let passSeq = carried?.passes ?? 0;
  /** Nights this execution has seen (a campaign continues as new after a few). */
  const nights = new Set<string>();
  let ended = false;

  // ---- Admission: the one way in, for the watcher's rows and for addExposures. ----
  const admit = (rows: ExposureRow[], via: CampaignExposure['via'], answer: AddExposuresAnswer): ExposureRow[] => {
    const admitted: ExposureRow[] = [];
    const seenAt = new Date().toISOString();
    for (const row of rows) {
      const known = book.get(row.expnum);
      if (known) {
        answer.duplicates.push({ expnum: row.expnum, state: book.stateOf(known, (x) => progress.stateOf(x)) });
        continue;
      }
      const verdict = admissionOf(row, { propid: input.propid, triggerMjd: input.triggerMjd });
      if (verdict.verdict === 'refuse') {
        answer.refused.push({ expnum: row.expnum, reason: verdict.reason });
        continue;
      }
      const exposure = { expnum: row.expnum, band: row.band, nite: row.nite };
      book.admit(exposure, via, seenAt, verdict.warning);
      progress.add(exposure);
      pendingRows.set(row.expnum, row);
      nights.add(row.nite);
      answer.accepted.push({ ...exposure, ...(verdict.warning ? { warning: verdict.warning } : {}) });
      admitted.push(row);
      log.info(`exposure ${row.expnum} admitted (${via})`, { expnum: row.expnum, nite: row.nite, via });
    }
    if (admitted.length > 0) {
      progress.publish();
      inBackground(awaitRawImages(admitted));
    }
    return admitted;
  };

  setHandler(
    addExposuresUpdate,
    async ({ exposures }) => {
      const answer: AddExposuresAnswer = { accepted: [], duplicates: [], refused: [] };
      const asked = [...new Set(exposures)];
      const unknown = asked.filter((expnum) => {
        const known = book.get(expnum);
        if (known) answer.duplicates.push({ expnum, state: book.stateOf(known, (x) => progress.stateOf(x)) });
        return !known;
      });
      if (unknown.length === 0) return answer;
      const found = await site((a) => a.lookupExposures({ expnums: unknown }));
      for (const expnum of found.missing)
        answer.refused.push({
          expnum,
          reason: `exposure ${expnum} is not in SISPI's exposure table (nor exposures.list)`,
        });
      admit(found.rows, 'added', answer);
      return answer;
    },
    {
      validator: (request) => {
        const list = (request as { exposures?: unknown } | undefined)?.exposures;
        if (!Array.isArray(list) || list.length === 0 || list.length > 1000)
          throw new Error('addExposures takes {"exposures": [EXPNUM, …]}: between 1 and 1000 exposure numbers');
        const bad = list.find((e) => typeof e !== 'number' || !Number.isInteger(e) || e < 1);
        if (bad !== undefined) throw new Error(`addExposures: ${JSON.stringify(bad)} is not an exposure number`);
        if (book.state.closed)
          throw new Error(`campaign ${workflowId} was closed at ${book.state.closed.at}: it takes no more exposures`);
      },
    },
  );

  setHandler(closeCampaignUpdate, (request) => {
    const already = book.state.closed;
    if (!already) {
      book.state.closed = {
        at: new Date().toISOString(),
        ...(request?.reason ? { reason: errorForHistory(request.reason, 200) } : {}),
      };
      if (phase === 'open') phase = 'closing';
      log.info(`campaign ${workflowId} closed`, { reason: request?.reason });
    }
    const closed = book.state.closed!;
    return {
      closedAt: closed.at,
      ...(closed.reason ? { reason: closed.reason } : {}),
      alreadyClosed: already !== undefined,
      stillToFinish: book.unfinished(),
    };
  });

  /** A site activity that waits for the DES machine's worker when it is away. */
  function site<T>(call: (a: ReturnType<typeof longPoll>) => Promise<T>): Promise<T> {
    return onSite((patiently) => call(patiently ? LONG_POLL.patiently : LONG_POLL.now), {
      tell: (waiting) => {
        const message = `${waiting?.message}\n${waitAdvice('worker', workflowId, progress.pace)}`;
        progress.runWaits(waiting ? { ...waiting, message, since: new Date().toISOString() } : undefined, {
          show: true,
        });
      },
    });
  }

  // ---- Raw images: an admitted exposure is processable once its raw image is at Fermilab. ----
  async function awaitRawImages(rows: ExposureRow[]): Promise<void> {
    await condition(() => set !== undefined);
    let waiting = rows;
    while (waiting.length > 0) {
      const closedAt = book.state.closed ? Date.parse(book.state.closed.at) : null;
      if (closedAt !== null && Date.now() - closedAt >= RAW_GRACE_AFTER_CLOSE_MS) {
        for (const row of waiting)
          giveUp(row.expnum, 'its raw image never reached Fermilab before the campaign closed');
        return;
      }
      let present: { expnum: number; seenAt: string }[];
      try {
        const r = await site((a) =>
          a.awaitProcessable({ runDir: set!.prepared.runDir, rows: waiting, maxWaitS: LONG_POLL_S }),
        );
        present = r.present;
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.warn('looking for raw images failed; trying again in a minute', { error: innermostMessage(err) });
        await condition(() => false, '60 seconds');
        continue;
      }
      for (const p of present) {
        const e = book.get(p.expnum);
        pendingRows.delete(p.expnum);
        if (!e || e.state !== 'waiting-for-raw-image') continue;
        e.state = 'queued';
        e.processableAt = p.seenAt;
        queue.push(e);
      }
      const found = new Set(present.map((p) => p.expnum));
      waiting = waiting.filter((r) => !found.has(r.expnum));
    }
  }

  function giveUp(expnum: number, why: string): void {
    const e = book.get(expnum);
    pendingRows.delete(expnum);
    if (!e || e.state !== 'waiting-for-raw-image') return;
    e.state = 'failed';
    e.error = why;
    outcomes.set(expnum, {
      expnum,
      status: 'failed',
      error: why,
      warnings: [],
      attempts: { dagmaker: 0, submit: 0 },
      durationsMs: { total: 0 },
    });
    progress.setState(expnum, 'failed', { error: why });
  }

  /** A wait that runs beside the campaign's loops: a cancellation ends it quietly (the campaign ends cancelled). */
  function inBackground(work: Promise<void>): void {
    work.catch((err: unknown) => {
      if (!isCancellation(err)) log.error('a raw-image wait failed', { error: innermostMessage(err) });
    });
  }

  // ---- Each exposure: the list run's child, as it comes. ----
  async function processOne(e: CampaignExposure): Promise<void> {
    const { season, prepared, env, campaign } = set!;
    const context = {
      workflowId,
      season,
      runDir: prepared.runDir,
      envFile: env.envFile,
      dagmakerScript: campaign.dagmakerScript,
      timing: campaign.timing,
      progress,
      signals,
      // Its waits pause the window; its move to submission is not worth four events a night's exposure.
      parentHears: 'waits' as const,
    };
    await exposureChild(e, context, (report: ExposureResult) => {
      const o = outcomeOf(report);
      outcomes.set(e.expnum, o);
      e.state = report.status === 'submitted' ? 'submitted' : 'failed';
      if (report.jobId) e.jobId = report.jobId;
      if (report.status === 'submitted') e.submittedAt = new Date().toISOString();
      if (report.error) e.error = errorForHistory(report.error);
      progress.setState(e.expnum, e.state === 'submitted' ? 'submitted' : 'failed', {
        jobId: report.jobId,
        error: report.error,
        recovered: report.recovered,
        ...(report.warnings.length ? { warnings: report.warnings } : {}),
      });
    });
  }

  // ---- The exposure table's watcher. ----
  async function watchTable(): Promise<void> {
    if (!input.watchDatabase) return;
    const w = book.state.watcher;
    let failures = 0;
    while (!book.state.closed && !draining) {
      const r = await unlessStopped(
        () =>
          site((a) =>
            a.watchExposureTable({
              propid: input.propid,
              triggerMjd: input.triggerMjd,
              afterId: w.cursor,
              maxWaitS: TABLE_POLL_S,
            }),
          ),
        () => book.state.closed !== undefined || draining,
      ).catch((err: unknown) => ({ err }));
      if (r === null) return;
      if ('err' in r) {
        if (isCancellation(r.err)) throw r.err;
        // The table does not answer: no row is lost (the cursor stays), and the campaign says it waits.
        const waiting = waitOf(r.err);
        const permanent = !waiting && innermostType(r.err) !== Failure.DatabaseUnavailable;
        failures++;
        const delayS = Math.min(
          campaignTiming().outageRecheckMaxS,
          campaignTiming().outageRecheckS * 2 ** (failures - 1),
        );
        w.database = 'waiting-for-database';
        w.message = oneLine(innermostMessage(r.err));
        const message = `the exposure table does not answer: ${w.message}${permanent ? ' (fix the worker’s DESGW_EXPOSURE_DB_URL, then desgw retry-now)' : ''}\n${waitAdvice('database', workflowId, progress.pace)}`;
        progress.runWaits({ what: 'database', message, since: new Date().toISOString() }, { show: true });
        const seen = signals.wakeups();
        await condition(() => signals.wakeups() > seen || book.state.closed !== undefined, delayS * 1000);
        continue;
      }
      if (w.database === 'waiting-for-database') progress.runWaits(undefined, { show: true });
      failures = 0;
      w.database = 'watching';
      delete w.message;
      const result = r.value;
      w.polls += result.polls;
      w.lastPollAt = result.lastPollAt;
      if (result.newestRowAgeS !== undefined) w.visibilityLagS = result.newestRowAgeS;
      w.rowsSeen += result.rows.length;
      w.cursor = Math.max(w.cursor, result.cursor);
      if (result.rows.length > 0) admit(result.rows, 'watcher', { accepted: [], duplicates: [], refused: [] });
    }
  }

  // ---- The grid: one long-poll for the campaign's DAGs. ----
  async function gridLoop(): Promise<void> {
    for (;;) {
      await condition(() => book.in('submitted').length > 0 || gridDone() || draining);
      if (draining || gridDone()) return;
      const pending = book.in('submitted');
      try {
        const polled = await unlessStopped(
          () =>
            site((a) =>
              a.watchGrid({
                season: set!.season,
                runDir: set!.prepared.runDir,
                envFile: set!.env.envFile,
                exposures: pending.map((e) => ({
                  expnum: e.expnum,
                  band: e.band,
                  nite: e.nite,
                  ...(e.jobId ? { jobId: e.jobId } : {}),
                })),
                maxWaitS: LONG_POLL_S,
                // Finishes of the next minute come back together: a pass needs no DAG's end to the second.
                settleS: GRID_SETTLE_S,
              }),
            ),
          () => gridDone() || draining,
        );
        if (polled === null) return;
        const now = new Date().toISOString();
        for (const f of polled.value.finished) {
          const e = book.get(f.expnum);
          if (e?.state !== 'submitted') continue;
          e.state = 'grid-finished';
          e.gridFinishedAt = now;
        }
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.warn('watching the grid failed; trying again in a minute', { error: innermostMessage(err) });
        await condition(() => false, '60 seconds');
      }
    }
  }

  /** Nothing more will reach the grid, and what is there has finished (or the deadline after closing passed). */
  function gridDone(): boolean {
    if (
      !book.state.closed ||
      queue.running > 0 ||
      queue.queued.length > 0 ||
      book.in('waiting-for-raw-image').length > 0
    )
      return false;
    if (!input.postProcessing) return true;
    const deadlineMs = (input.postProcessing.gridDeadlineHours ?? 12) * 3600_000;
    return book.in('submitted').length === 0 || Date.now() - Date.parse(book.state.closed.at) >= deadlineMs;
  }

  // ---- Post-processing in passes. ----
  async function passes(): Promise<void> {
    const pp = input.postProcessing;
    if (!pp) return;
    for (;;) {
      const decision = () => {
        const taken = book.state.passes.at(-1)?.exposures ?? 0;
        const finished = book.in('grid-finished');
        const fresh = finished.filter((e) => !inLastPass.has(e.expnum)).map((e) => Date.parse(e.gridFinishedAt ?? ''));
        return passDecision(pp.passPolicy, {
          finished: finished.length,
          lastPassTook: taken,
          oldestNewSinceMs: fresh.length > 0 ? Math.min(...fresh) : null,
          nowMs: Date.now(),
          final: gridDone(),
          closed: book.state.closed !== undefined,
          // Up to date: the last pass took every finished exposure, and succeeded or was itself the last pass.
          upToDate: fresh.length === 0 && lastPassCounts(),
        });
      };
      let d = decision();
      while (!d.run) {
        if (gridDone() || draining) return;
        const counted = book.in('grid-finished').length;
        const closedNow = book.state.closed !== undefined;
        const changed = () =>
          book.in('grid-finished').length !== counted ||
          gridDone() ||
          draining ||
          (book.state.closed !== undefined) !== closedNow;
        // A timer only when a new exposure's wait for a pass will run out (one per deadline, not one per
        // change): none in a night's idle hour.
        const rang = alarmAt(d.recheckInMs === undefined ? undefined : Date.now() + d.recheckInMs);
        await condition(() => changed() || rang());
        d = decision();
      }
      if (draining) return;
      await runPass(d.why);
      if (gridDone() && !decision().run) return;
    }
  }

  /** The timer of the next pass's staleness deadline: kept while the deadline stays, replaced when it moves. */
  let alarm: { dueMs: number; scope: CancellationScope; rang: boolean } | undefined;
  function alarmAt(dueMs: number | undefined): () => boolean {
    if (alarm && alarm.dueMs !== dueMs) {
      alarm.scope.cancel();
      alarm = undefined;
    }
    if (dueMs !== undefined && !alarm) {
      const a = { dueMs, scope: new CancellationScope(), rang: false };
      a.scope
        .run(() => sleep(Math.max(1, dueMs - Date.now())))
        .then(
          () => void (a.rang = true),
          () => undefined,
        );
      alarm = a;
    }
    const a = alarm;
    return () => a?.rang === true;
  }

  /** Whether the last pass settles the campaign's last one: it succeeded, or ran after the campaign closed. */
  function lastPassCounts(): boolean {
    const last = book.state.passes.at(-1);
    if (!last) return false;
    return last.outcome === 'success' || (book.state.closed !== undefined && last.startedAt >= book.state.closed.at);
  }

  /** The exposures of the last pass (to tell the new ones). */
  const inLastPass = new Set<number>(book.state.lastPass ?? []);

  async function runPass(why: string): Promise<void> {
    const pp = input.postProcessing!;
    const finished = book.in('grid-finished');
    const id = `${workflowId}-pass-${++passSeq}`;
    const pass = { id, exposures: finished.length, outcome: 'running' as const, startedAt: new Date().toISOString() };
    book.state.passes.push(pass);
    passRunning = true;
    if (gridDone()) phase = 'final-pass';
    log.info(`post-processing pass ${id}: ${why}`, { exposures: finished.length });
    try {
      const r = await executeChild(postProcessing, {
        workflowId: id,
        staticSummary: `DESGW post-processing pass ${passSeq} of ${input.triggerId}, season ${set!.season}: ${finished.length} exposures`,
        args: [
          {
            triggerId: input.triggerId,
            triggerMjd: input.triggerMjd,
            propid: input.propid,
            ...(pp.postProcessingDir ? { postProcessingDir: pp.postProcessingDir } : {}),
            ...(pp.minCompleteCcds ? { minCompleteCcds: pp.minCompleteCcds } : {}),
            season: set!.season,
            exposures: finished.map((e) => ({
              expnum: e.expnum,
              band: e.band,
              nite: e.nite,
              ...(e.jobId ? { jobId: e.jobId } : {}),
            })),
            envFile: set!.env.envFile,
            // From step 0, into the pass's own output directory: the list is the campaign's so far.
            skipTo: 0,
            gridDeadlineHours: 1,
          },
        ],
      });
      const done = book.state.passes.at(-1)!;
      Object.assign(done, { outcome: r.outcome, outputDir: r.outputDir, finishedAt: new Date().toISOString() });
      if (r.masterHtml) {
        done.page = r.masterHtml;
        const { latestPage } = await site((a) =>
          a.pointLatestPage({ runDir: set!.prepared.runDir, outputDir: r.outputDir, page: r.masterHtml! }),
        );
        book.state.latestPage = latestPage;
      }
    } catch (err) {
      if (isCancellation(err)) throw err;
      const done = book.state.passes.at(-1)!;
      Object.assign(done, {
        outcome: 'failed',
        error: errorForHistory(oneLine(innermostMessage(err))),
        finishedAt: new Date().toISOString(),
      });
    } finally {
      inLastPass.clear();
      for (const e of finished) inLastPass.add(e.expnum);
      book.state.lastPass = [...inLastPass];
      passRunning = false;
    }
  }

  // ---- Continue-as-new, at a point where nothing is lost: no child, no pass, no Update handler running. ----
  function historyFull(): boolean {
    const limit = Math.min(campaignTiming().historyEventLimit, 10_000);
    return workflowInfo().historyLength > limit || nights.size > NIGHTS_PER_EXECUTION;
  }
  function campaignTiming() {
    return (
      set?.campaign.timing ?? {
        outageRecheckS: 120,
        outageRecheckMaxS: 900,
        historyEventLimit: 10_000,
        proxyRecheckS: 300,
      }
    );
  }
  async function carryOn(): Promise<void> {
    await condition(() => historyFull() || ended);
    if (ended) return;
    draining = true;
    log.info(`campaign ${workflowId} continues as new`, { historyLength: workflowInfo().historyLength });
    await condition(() => queue.running === 0 && !passRunning && allHandlersFinished());
    progress.view.continuedAsNew++;
    const next: CarriedCampaign = {
      startedAt: set!.startedAt,
      campaign: set!.campaign,
      season: set!.season,
      prepared: set!.prepared,
      env: set!.env,
      book: book.state,
      pendingRows: [...pendingRows.values()],
      outcomes: [...outcomes.values()].map((o) => {
        const e = book.get(o.expnum)!;
        return packResult({ ...o, band: e.band, nite: e.nite }, true);
      }),
      passes: passSeq,
      continuedAsNew: progress.view.continuedAsNew,
      shownStatus: progress.shownStatus,
    };
    await continueAsNew<typeof eventCampaign>(input, next);
  }

  try {
    if (!set) set = await setUp();
    else steps.pace(set.campaign.timing);
    upsertSearchAttributes([{ key: DESGW_TRIGGER, value: input.triggerId }]);
    if (phase === 'setting-up') phase = book.state.closed ? 'closing' : 'open';
    progress.phase('processing');
    // Exposures of an earlier execution still waiting for their raw image wait on.
    const stillWaiting = book
      .in('waiting-for-raw-image')
      .map((e) => pendingRows.get(e.expnum))
      .filter((r) => r !== undefined);
    if (stillWaiting.length > 0) inBackground(awaitRawImages(stillWaiting));
    const closer = (async () => {
      await condition(
        () => (book.state.closed !== undefined && book.in('waiting-for-raw-image').length === 0) || draining,
      );
      if (!draining) queue.close();
    })();
    const work = Promise.all([queue.run(), closer, watchTable(), gridLoop(), passes()]).then(() => void (ended = true));
    await Promise.all([work, carryOn()]);
    phase = 'done';
    progress.phase('writing-output');
    const result = await finish();
    progress.phase('done');
    return result;
  } catch (err) {
    if (err instanceof ContinueAsNew) throw err;
    if (isCancellation(err)) {
      phase = 'cancelled';
      progress.cancelUnfinished();
      progress.phase('cancelled');
      throw err;
    }
    const reason = oneLine(innermostMessage(err));
    const next = nextStep('campaign', workflowId, 'failed', innermostType(err));
    failure = { reason: errorForHistory(reason), next };
    phase = 'failed';
    log.error(`campaign ${workflowId} failed: ${reason} — next: ${next}`, { reason, next });
    progress.failed(errorForHistory(reason), next);
    throw err;
  }

  /** Validates, reserves the season once, prepares the campaign's directory and sources the environment. */
  async function setUp(): Promise<NonNullable<typeof set>> {
    const { firstExecutionRunId } = workflowInfo();
    const startedAt = new Date().toISOString();
    progress.publish();
    const campaign = await steps.onSite((a) => a.files.validateCampaign({ ...input, workflowId, firstExecutionRunId }));
    steps.pace(campaign.timing);
    progress.phase('allocating-season');
    const { season } = await steps.reserveSeasonOrWait(input.season, campaign.runDir);
    upsertSearchAttributes([{ key: DESGW_SEASON, value: season }]);
    progress.view.season = season;
    progress.phase('preparing');
    const prepared = await steps.onSite((a) =>
      a.files.prepareRun({
        gwWorkflowDir: campaign.gwWorkflowDir,
        runDir: campaign.runDir,
        season,
        rc: campaign.rc,
        expnums: [],
        workflowId,
        firstExecutionRunId,
      }),
    );
    progress.phase('sourcing-environment');
    const env = await steps.sourceEnvironmentOrWait(campaign.gwWorkflowDir, campaign.runDir);
    return { startedAt, campaign, season, prepared, env };
  }

  /** The event's output.txt and manifest.json, and the result. */
  async function finish(): Promise<EventCampaignResult> {
    const { campaign, season, prepared, startedAt } = set!;
    const exposures = book.all
      .filter((e) => outcomes.has(e.expnum))
      .map((e) => ({ expnum: e.expnum, band: e.band, nite: e.nite }));
    const facts = {
      workflowId,
      season,
      prepared,
      startedAt,
      run: {
        listFile: '',
        gwWorkflowDir: campaign.gwWorkflowDir,
        outputDir: campaign.outputDir,
        runDir: campaign.runDir,
        exposures,
        duplicatesDropped: [],
        rc: campaign.rc,
        maxConcurrent: campaign.maxConcurrent,
        dagmakerScript: campaign.dagmakerScript,
        refreshedExposures: false,
      },
    };
    const handedOff = buildResult(facts, outcomes, 'done');
    await steps.onSite((a) => a.files.writeOutputs(outputsOf(handedOff, facts)));
    const count = (s: string) => book.all.filter((e) => e.state === s).length;
    return {
      workflowId,
      triggerId: input.triggerId,
      season,
      runDir: prepared.runDir,
      nites: [...new Set(book.all.map((e) => e.nite))],
      counts: {
        total: book.all.length,
        submitted: count('submitted') + count('grid-finished'),
        failed: count('failed'),
        gridFinished: count('grid-finished'),
      },
      outputFiles: handedOff.outputFiles,
      rcChanges: prepared.rcChanges,
      passes: book.state.passes,
      ...(book.state.latestPage ? { latestPage: book.state.latestPage } : {}),
      ...(book.state.closed?.reason ? { closedBecause: book.state.closed.reason } : {}),
      startedAt,
      finishedAt: new Date().toISOString(),
    };
  }
}
