/**
 * The failure types the activities raise and the workflows and clients recognise, named once.
 * A failure's type says what the run does next: fail at once, retry, or wait for a person or for
 * the site (see `WAITS`). Imported by workflow code: types and constants only.
 */

export const Failure = {
  /** Bad input: the run fails at once, naming each line, key or exposure. */
  InvalidInput: 'InvalidInput',
  /** The season asked for is taken or reserved. */
  SeasonUnavailable: 'SeasonUnavailable',
  /** The season registry refused a claim: another run holds that season (a race between two runs' decisions). */
  SeasonTaken: 'SeasonTaken',
  /** The grid proxy or jobsub_lite's token is missing or expired (confirmed): a person renews it. */
  ProxyExpired: 'ProxyExpired',
  /** jobsub or its schedds do not answer (5xx, connection refused, schedd down): the site recovers. */
  JobsubUnavailable: 'JobsubUnavailable',
  /** The DES database does not answer (ORA-/TNS- network errors): the site recovers. */
  DatabaseUnavailable: 'DatabaseUnavailable',
  DatabaseConfiguration: 'DatabaseConfiguration',
  DatabaseCredentials: 'DatabaseCredentials',
  DatabaseSchema: 'DatabaseSchema',
  EnvironmentFailed: 'EnvironmentFailed',
  DagMakerPermanent: 'DagMakerPermanent',
  DagMakerTransient: 'DagMakerTransient',
  DagMakerTimeout: 'DagMakerTimeout',
  DagMakerIncomplete: 'DagMakerIncomplete',
  SubmitPermanent: 'SubmitPermanent',
  SubmitTransient: 'SubmitTransient',
  /** The worker was shut down (a deploy, `systemctl restart`) while the tool ran: not the exposure's fault. */
  WorkerShutdown: 'WorkerShutdown',
  /** An exposure failed for good; the failure carries its report. */
  ExposureFailed: 'ExposureFailed',
  /** Another post-processing holds the Post-Processing checkout: this one waits its turn. */
  CheckoutBusy: 'CheckoutBusy',
  /** run_postproc.py ended without `complete` (and not for want of candidates). */
  PostprocFailed: 'PostprocFailed',
  /** No exposure passed the grid checks: run_postproc.py would have nothing to do. */
  NoExposurePassed: 'NoExposurePassed',
} as const;

export type FailureType = (typeof Failure)[keyof typeof Failure];

/**
 * What a run waits for instead of failing: a person (proxy, environment), the site (jobsub,
 * database), or the DES machine's worker (down: its tasks wait to start).
 */
export type WaitingFor = 'proxy' | 'environment' | 'jobsub' | 'database' | 'worker';

/** Failure types that make a step wait (after its quick retries) rather than fail. */
export const WAITS: Readonly<Partial<Record<string, WaitingFor>>> = {
  [Failure.ProxyExpired]: 'proxy',
  [Failure.JobsubUnavailable]: 'jobsub',
  [Failure.DatabaseUnavailable]: 'database',
};

/** How long an error kept in history (results, progress, carried state) may be; files keep it whole. */
export const MAX_ERROR_IN_HISTORY = 240;

/** An error cut for history: first line kept whole up to the limit, then an ellipsis. */
export function errorForHistory(message: string, max = MAX_ERROR_IN_HISTORY): string {
  return message.length <= max ? message : `${message.slice(0, max - 1)}…`;
}

/** Why something failed, from the innermost cause (a child's failure wraps its activity's, which wraps the tool's). */
export function innermostMessage(err: unknown): string {
  let cause: unknown = err;
  while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
  return cause instanceof Error ? cause.message : String(cause);
}

/** The type of the innermost failure that has one (an ApplicationFailure's `type`), e.g. `InvalidInput`. */
export function innermostType(err: unknown): string | undefined {
  let type: string | undefined;
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    const t = (cause as { type?: unknown }).type;
    if (typeof t === 'string' && t !== '') type = t;
  }
  return type;
}
