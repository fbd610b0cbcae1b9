/**
 * Waiting out what a person or the site must fix, in workflow code: a step failed after its quick
 * retries with a failure that WAITS lists (an expired proxy, jobsub or the DES database down), or
 * no worker took its task in time (the DES machine's worker down). The step is tried again, one
 * attempt at a time, at each re-check (the proxy every `proxyS`, an outage with backoff from
 * `outageS` to `outageMaxS`) or at once when `wakeups()` grows (a signal); for a worker, at once,
 * its task waiting long for one (it starts the moment a worker takes it).
 * Whoever waits is told only when what it waits for changes: the cost of a long wait is a timer
 * and an attempt per re-check in the waiting workflow's own history, nothing elsewhere.
 */
import { ActivityFailure, ApplicationFailure, condition, TimeoutFailure } from '@temporalio/workflow';
import { WAITS, type WaitingFor } from '../common/failures.js';

export interface Recheck {
  proxyS: number;
  outageS: number;
  outageMaxS: number;
}

/** A re-check of a wait: when the next is due, or what the last found (workflow time). */
export interface Rechecked {
  nextCheckAt?: string;
  lastCheck?: { at: string; found: string };
}

export interface Waiting {
  what: WaitingFor;
  message: string;
}

/** What a failed step waits for, if it is waited out rather than failed. */
export function waitOf(err: unknown): Waiting | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof TimeoutFailure && cause.timeoutType === 'SCHEDULE_TO_START') {
    const message = `no worker has taken its ${err instanceof ActivityFailure ? err.activityType : ''} task: is the DES machine's worker running? (systemctl --user status desgw-worker). It goes on by itself once one is`;
    return { what: 'worker', message };
  }
  const what = cause instanceof ApplicationFailure ? WAITS[cause.type ?? ''] : undefined;
  return what && cause ? { what, message: cause.message } : undefined;
}

/**
 * Waits out `first` (what the step's last failure waits for): tells `onWaiting` now and whenever
 * the reason changes, tries `tryOnce` at each re-check or wake-up, and returns its result once it
 * gets past. A failure that is not waited out is thrown.
 */
export async function waitOut<T>(
  first: Waiting,
  recheck: Recheck,
  wakeups: () => number,
  onWaiting: (w: Waiting) => Promise<void> | void,
  tryOnce: (waiting: WaitingFor) => Promise<T>,
  onRecheck: (r: Rechecked) => void = () => undefined,
  /** A wait of weeks continues as new before its history grows large: `carryOn` does (it never returns). */
  carry?: { full: () => boolean; carryOn: (w: Waiting) => Promise<never> },
): Promise<T> {
  let { what } = first;
  let last: Waiting = first;
  await onWaiting(first);
  let delayS = what === 'proxy' ? recheck.proxyS : recheck.outageS;
  for (;;) {
    if (carry?.full()) await carry.carryOn(last);
    // A task waiting for a worker starts the moment one takes it: nothing to wait for here.
    if (what !== 'worker') {
      onRecheck({ nextCheckAt: new Date(Date.now() + delayS * 1000).toISOString() });
      const seen = wakeups();
      await condition(() => wakeups() > seen, delayS * 1000);
    }
    try {
      return await tryOnce(what);
    } catch (err) {
      const still = waitOf(err);
      if (!still) throw err;
      onRecheck({
        lastCheck: { at: new Date().toISOString(), found: still.what === what ? 'nothing changed' : still.message },
      });
      last = still;
      if (still.what !== what) {
        what = still.what;
        await onWaiting(still);
        delayS = what === 'proxy' ? recheck.proxyS : recheck.outageS;
      } else if (what !== 'proxy') {
        delayS = Math.min(delayS * 2, recheck.outageMaxS);
      }
    }
  }
}
