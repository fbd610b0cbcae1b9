/**
 * Every signal, query and update of the workflows, defined once: the workflows set their handlers
 * on these definitions, and the clients (desgw, the activities that talk to the season registry,
 * the tests) send by them. The names are part of the public contract: the Temporal CLI sends them
 * by name (`temporal workflow signal --name proxyRenewed`). Imported by workflow code.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExposureState, Progress } from './contract.js';
import type { PostProcessingProgress } from './post-processing-contract.js';
import type {
  AddExposuresAnswer,
  AddExposuresRequest,
  CampaignProgress,
  CloseCampaignAnswer,
  CloseCampaignRequest,
} from './campaign-contract.js';

/** A run's progress: where it stands, its counts, each exposure, what it waits for. */
export const progressQuery = defineQuery<Progress>('progress');
/**
 * Sent by a child to its parent when its exposure changes state (e.g. DAGMaker → submission, or
 * starts waiting). `childRunId` (the child's first execution) lets the parent believe only the
 * child it is running: a stale, replayed or reset-reapplied signal is dropped (absent in signals
 * from before it was sent).
 */
export const exposureStateSignal =
  defineSignal<[{ expnum: number; state: ExposureState; message?: string; childRunId?: string; note?: string }]>(
    'exposureState',
  );
/**
 * What an exposure's child waits for, and when it last checked (a re-check that changed nothing
 * tells the parent nothing, so `desgw status` asks the child itself).
 */
export interface ExposureWait {
  expnum: number;
  state: ExposureState;
  what?: string;
  message?: string;
  since?: string;
  /** The last re-check, and what it found: `nothing changed`, or the new reason. */
  lastCheck?: { at: string; found: string };
  /** When the next re-check is due. */
  nextCheckAt?: string;
  /** In its quick retries: `attempt 3 of 6: <the last failure>`. */
  retrying?: string;
}
export const exposureWaitQuery = defineQuery<ExposureWait>('exposureWait');
/**
 * Sent by the worker to an exposure's workflow when an attempt of its DAGMaker or submission failed
 * and will be tried again (workers/attempt-interceptor.ts): the quick retries, visible while they happen.
 */
export const activityAttemptFailedSignal =
  defineSignal<[{ activityType: string; attempt: number; message: string }]>('activityAttemptFailed');
/** A person renewed the grid proxy: on the parent (which passes it on) or on a child. */
export const proxyRenewedSignal = defineSignal('proxyRenewed');
/** A person fixed what made setup_img_proc.sh fail: try it again. */
export const retryEnvironmentSignal = defineSignal('retryEnvironment');
/** Check again now whatever the run waits for (the proxy, jobsub, the DES database, the environment). */
export const retryNowSignal = defineSignal('retryNow');

/**
 * A run claims the season its `reserveSeason` activity decided on. The registry applies no season
 * rule to it: it records the claim, or refuses it when another run holds that season.
 */
export interface ClaimSeasonRequest {
  /** The run claiming (its workflow id): claiming again returns the season it holds. */
  owner: string;
  season: number;
  /** A shared (test) season: many runs may hold it at once. */
  shared: boolean;
}

/**
 * The Update of the registry before claims (kept so that registry histories recorded before then
 * still replay; no code sends it any more): the registry itself decided the season.
 */
export interface ReserveSeasonRequest {
  /** The run asking (its workflow id): asking again returns the same season. */
  owner: string;
  requested: 'auto' | number;
  /** Seasons the DES database already holds. */
  usedInDatabase: number[];
}

export interface Reservation {
  season: number;
  /** True when the owner already held this season (a retried or resumed request). */
  alreadyHeld: boolean;
}

/** What the season registry holds, and carries across continue-as-new. */
export interface RegistryState {
  /** [season, owner] for every exclusive reservation. */
  reservations: [number, string][];
  /** [owner, season] for runs on shared (test) seasons. */
  testSeasonOwners: [string, number][];
}

/** Legacy: the registry decides (frozen rules). Only histories from before `claimSeason` send it. */
export const reserveSeasonUpdate = defineUpdate<Reservation, [ReserveSeasonRequest]>('reserveSeason');
/** The registry records a season the activity decided on, or refuses it (Failure.SeasonTaken). */
export const claimSeasonUpdate = defineUpdate<Reservation, [ClaimSeasonRequest]>('claimSeason');
export const reservationsQuery = defineQuery<RegistryState>('reservations');

/** A post-processing's progress: the grid wait (N of M finished), the checkout, how it ended. */
export const postProcessingProgressQuery = defineQuery<PostProcessingProgress>('postProcessingProgress');
/** Stop waiting for the grid: go on now with the exposures whose DAGs have finished. */
export const proceedSignal = defineSignal('proceed');

/** An event campaign's exposures, per night, its watcher and its passes (see common/campaign-contract.ts). */
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
/** Adds exposures to an event campaign: answers which were accepted, which it had, and which it refuses and why. */
export const addExposuresUpdate = defineUpdate<AddExposuresAnswer, [AddExposuresRequest]>('addExposures');
/** Stops an event campaign taking exposures: it finishes what it holds, runs the last pass and completes. */
export const closeCampaignUpdate = defineUpdate<CloseCampaignAnswer, [CloseCampaignRequest]>('closeCampaign');
