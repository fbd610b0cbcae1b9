/**
 * A run's progress, which publishes itself: what the `progress` query answers, the Web UI's Current
 * Details and the `DesgwStatus` search attribute (updated only when it changes), and one log line
 * per change of an exposure's state. It also keeps what the run waits for: its own waits (its
 * environment, the DES database for its season) and those its children report.
 */
import { log, proxySinks } from '@temporalio/workflow';
import type { NotifySinks } from '../common/notify.js';
import type { Exposure, ExposureState, Phase, Progress } from '../common/contract.js';
import { EXPOSURE_STATES } from '../common/contract.js';
import type { WaitingFor } from '../common/failures.js';
import { waitAdvice, type RecheckPace } from '../common/next-step.js';
import { DEFAULT_TIMING } from '../common/settings.js';
import { describeProgress } from './describe.js';
import { StatusPublisher } from './status-publisher.js';

const { notifier } = proxySinks<NotifySinks>();

type Entry = Progress['exposures'][number];
type Waiting = NonNullable<Progress['waitingFor']>;
export type ExposureFlags = Partial<Pick<Entry, 'jobId' | 'error' | 'resumed' | 'recovered' | 'warnings'>>;

/** Exposure states that say what a child waits for. */
const WAITING_STATES: Partial<Record<ExposureState, WaitingFor>> = {
  'waiting-for-proxy': 'proxy',
  'waiting-for-jobsub': 'jobsub',
  'waiting-for-database': 'database',
  'waiting-for-worker': 'worker',
};

export class RunProgress {
  readonly view: Progress;
  private readonly entries = new Map<number, Entry>();
  /** What the children in flight wait for (a child tells once when it starts waiting, and when it moves on). */
  private readonly childWaits = new Map<number, Waiting>();
  /** What the run itself waits for. */
  private runWait: Waiting | undefined;
  /** How the run re-checks what it waits for (the site's pacing, once validateRun said it). */
  pace: RecheckPace = DEFAULT_TIMING;
  private readonly status: StatusPublisher;

  /** `shownStatus`: what the execution before a continue-as-new showed (not shown or told again). */
  constructor(workflowId: string, continuedAsNew: number, shownStatus?: string) {
    this.status = new StatusPublisher(
      (status) => status.startsWith('waiting-for-') || status === 'done' || status === 'cancelled',
      (status) => this.notify(status),
      shownStatus,
    );
    this.view = {
      workflowId,
      phase: 'validating',
      total: 0,
      counts: Object.fromEntries(EXPOSURE_STATES.map((s) => [s, 0])) as Record<ExposureState, number>,
      continuedAsNew,
      exposures: [],
    };
  }

  /** The DesgwStatus shown last, for a continue-as-new to carry. */
  get shownStatus(): string {
    return this.status.status;
  }

  /** Shows where the run stands: Current Details always, DesgwStatus when it changed. */
  publish(): void {
    this.status.show(describeProgress(this.view), this.view);
  }

  /** Tells the people of the night (a sink: outside history, not repeated on replay). */
  notify(status: string, message = this.view.waitingFor?.message): void {
    const { workflowId, season, counts } = this.view;
    notifier.notify({ workflowId, status, season, message, counts, at: new Date().toISOString() });
  }

  phase(phase: Phase): void {
    this.view.phase = phase;
    this.publish();
  }

  /**
   * The run ends failed: the phase, why and the next command go into the progress and Current
   * Details (and DesgwStatus=failed), so that nothing published still reads as if it went on.
   */
  failed(reason: string, next: string): void {
    this.view.failure = { reason, next };
    this.view.phase = 'failed';
    this.childWaits.clear();
    this.runWait = undefined;
    this.showWaiting();
    this.publish();
  }

  /** The run was cancelled: its exposures not submitted or failed are `cancelled`, as its manifest says. */
  cancelUnfinished(): void {
    for (const entry of this.entries.values()) {
      if (entry.state === 'submitted' || entry.state === 'failed' || entry.state === 'cancelled') continue;
      this.view.counts[entry.state]--;
      this.view.counts.cancelled++;
      entry.state = 'cancelled';
    }
    this.childWaits.clear();
    this.runWait = undefined;
    this.showWaiting();
  }

  /** The run's exposures, all waiting to start. */
  track(season: number, exposures: Exposure[]): void {
    this.view.season = season;
    this.view.total = exposures.length;
    for (const e of exposures) {
      const entry: Entry = { expnum: e.expnum, band: e.band, state: 'waiting' };
      this.entries.set(e.expnum, entry);
      this.view.exposures.push(entry);
    }
    this.view.counts.waiting = exposures.length;
  }

  /**
   * One more exposure (a campaign's, as it comes): waiting to start, or in the state an earlier
   * execution left it (a campaign that continued as new). Nothing is logged or published.
   */
  add(e: Exposure, state: ExposureState = 'waiting', flags: ExposureFlags = {}): void {
    if (this.entries.has(e.expnum)) return;
    const entry: Entry = { expnum: e.expnum, band: e.band, state, ...definedOnly(flags) };
    this.entries.set(e.expnum, entry);
    this.view.exposures.push(entry);
    this.view.total++;
    this.view.counts[state]++;
  }

  /** An exposure's state in the progress (undefined when it has none). */
  stateOf(expnum: number): ExposureState | undefined {
    return this.entries.get(expnum)?.state;
  }

  /** An exposure's new state; a late signal never overrides a final state. */
  setState(expnum: number, state: ExposureState, flags: ExposureFlags = {}): void {
    const entry = this.entries.get(expnum);
    if (!entry || entry.state === 'submitted' || entry.state === 'failed') return;
    if (state !== entry.state) delete entry.note;
    this.view.counts[entry.state]--;
    this.view.counts[state]++;
    Object.assign(entry, { state }, definedOnly(flags));
    log.info(`exposure ${expnum}: ${state}`, {
      expnum,
      state,
      season: this.view.season,
      jobId: flags.jobId,
      error: flags.error,
    });
    this.publish();
  }

  /** What a child said of its exposure: a new state, perhaps a wait and why. */
  childSaid(expnum: number, state: ExposureState, message: string | undefined, note?: string): void {
    const entry = this.entries.get(expnum);
    if (entry && note) entry.note = note;
    else if (entry) delete entry.note;
    this.setState(expnum, state);
    const what = WAITING_STATES[state];
    if (what) {
      if (this.childWaits.get(expnum)?.what !== what) {
        // Every wait says when it is checked again and the command that carries it on.
        const why = message ?? `waiting for ${what}`;
        this.childWaits.set(expnum, {
          what,
          message: `exposure ${expnum}: ${why}\n${waitAdvice(what, this.view.workflowId, this.pace)}`,
          since: new Date().toISOString(),
        });
      }
    } else {
      this.childWaits.delete(expnum);
    }
    this.showWaiting();
    this.publish();
  }

  /** A child closed: whatever it waited for, it waits no more. */
  childClosed(expnum: number): void {
    if (this.childWaits.delete(expnum)) {
      this.showWaiting();
      this.publish();
    }
  }

  /** The run itself waits (or, with undefined, no longer does); shown at once when `show`. */
  runWaits(waiting: Waiting | undefined, { show }: { show: boolean }): void {
    this.runWait = waiting;
    this.showWaiting();
    if (show) this.publish();
  }

  /** The exposures whose children wait for what `which` accepts. */
  waiting(which: (what: WaitingFor) => boolean): number[] {
    return [...this.childWaits].filter(([, w]) => which(w.what)).map(([e]) => e);
  }

  private showWaiting(): void {
    const waiting = this.runWait ?? this.childWaits.values().next().value;
    if (waiting) this.view.waitingFor = waiting;
    else delete this.view.waitingFor;
  }
}

/** The fields of `o` that are set (a flag absent stays absent in the progress). */
function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
