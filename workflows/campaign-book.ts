/**
 * What an event campaign knows of its exposures, its watcher and its passes: every exposure it
 * admitted (deduplicated by EXPNUM, whichever way it came), when it was seen, became processable,
 * started DAGMaker, was submitted and finished on the grid; the watcher's cursor and counts; each
 * pass. It is carried whole across continue-as-new (compact: a few hundred bytes an exposure), so a
 * new execution neither loses nor repeats an exposure or a pass. Workflow code: no I/O, no commands.
 */
import type {
  CampaignExposure,
  CampaignExposureState,
  CampaignPass,
  CampaignProgress,
  CampaignWatcher,
} from '../common/campaign-contract.js';
import type { Exposure, ExposureState } from '../common/contract.js';

/** What the book carries across continue-as-new. */
export interface BookState {
  exposures: CampaignExposure[];
  watcher: CampaignWatcher;
  passes: CampaignPass[];
  closed?: { at: string; reason?: string };
  latestPage?: string;
  /** The exposures the last pass took (those finished since are new). */
  lastPass?: number[];
}

/** States in which an exposure is the campaign's own business still (before its child, or in it). */
const BEFORE_CHILD: readonly CampaignExposureState[] = ['waiting-for-raw-image', 'queued'];

export class CampaignBook {
  private readonly byExpnum = new Map<number, CampaignExposure>();
  readonly state: BookState;

  constructor(carried: BookState | undefined, watched: boolean) {
    this.state = carried ?? {
      exposures: [],
      watcher: { database: watched ? 'watching' : 'not-watched', cursor: 0, rowsSeen: 0, polls: 0 },
      passes: [],
    };
    for (const e of this.state.exposures) this.byExpnum.set(e.expnum, e);
  }

  has(expnum: number): boolean {
    return this.byExpnum.has(expnum);
  }

  get(expnum: number): CampaignExposure | undefined {
    return this.byExpnum.get(expnum);
  }

  get all(): readonly CampaignExposure[] {
    return this.state.exposures;
  }

  /** A newly admitted exposure, waiting for its raw image. */
  admit(e: Exposure, via: CampaignExposure['via'], seenAt: string, warning?: string): CampaignExposure {
    const entry: CampaignExposure = {
      expnum: e.expnum,
      nite: e.nite,
      band: e.band,
      state: 'waiting-for-raw-image',
      via,
      seenAt,
      ...(warning ? { warning } : {}),
    };
    this.byExpnum.set(e.expnum, entry);
    this.state.exposures.push(entry);
    return entry;
  }

  in(...states: CampaignExposureState[]): CampaignExposure[] {
    return this.state.exposures.filter((e) => states.includes(e.state));
  }

  /** Exposures not yet through their child: what closing still finishes. */
  unfinished(): number {
    return this.state.exposures.filter(
      (e) => BEFORE_CHILD.includes(e.state) || !['submitted', 'failed', 'grid-finished', 'cancelled'].includes(e.state),
    ).length;
  }

  /** The state shown for an exposure: the book's before and after its child, the run's progress during it. */
  stateOf(e: CampaignExposure, inChild: (expnum: number) => ExposureState | undefined): CampaignExposureState {
    if (e.state === 'making-dag' || e.state === 'submitting') return inChild(e.expnum) ?? e.state;
    return e.state;
  }

  /** The `campaignProgress` view: per night, in the order the nights came. */
  view(
    base: Pick<
      CampaignProgress,
      'workflowId' | 'triggerId' | 'propid' | 'season' | 'phase' | 'waitingFor' | 'continuedAsNew' | 'failure'
    >,
    inChild: (expnum: number) => ExposureState | undefined,
  ): CampaignProgress {
    const nights = new Map<string, CampaignExposure[]>();
    const counts: Partial<Record<CampaignExposureState, number>> = {};
    for (const e of this.state.exposures) {
      const shown = { ...e, state: this.stateOf(e, inChild) };
      counts[shown.state] = (counts[shown.state] ?? 0) + 1;
      const night = nights.get(e.nite) ?? [];
      night.push(shown);
      nights.set(e.nite, night);
    }
    return {
      ...base,
      ...(this.state.closed ? { closed: this.state.closed } : {}),
      counts,
      nights: [...nights].map(([nite, exposures]) => ({ nite, exposures })),
      watcher: this.state.watcher,
      passes: this.state.passes,
      ...(this.state.latestPage ? { latestPage: this.state.latestPage } : {}),
    };
  }
}
