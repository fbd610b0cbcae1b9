/**
 * Heartbeats from code that also runs outside an activity (a bench, a unit test calling the function
 * directly): there, heartbeating does nothing, there are no earlier attempt's details and nothing is
 * cancelled. The activity's context is looked up once per call of `beats()`, not per heartbeat.
 */
import { Context } from '@temporalio/activity';

export interface Beats {
  /** Records progress (the SDK throttles what reaches the server). */
  heartbeat(details: unknown): void;
  /** What the last heartbeat of an earlier attempt of this activity recorded, if any. */
  last<T>(): T | undefined;
  /** Throws the cancellation when the activity was cancelled (seen through its heartbeats). */
  throwIfCancelled(): void;
}

export function beats(): Beats {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    context = undefined;
  }
  return {
    heartbeat: (details) => context?.heartbeat(details),
    last: <T>() => context?.info.heartbeatDetails as T | undefined,
    throwIfCancelled: () => {
      const signal = context?.cancellationSignal;
      if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    },
  };
}

/**
 * Heartbeats at most every `everyMs` (and at once when asked to `flush`): `details` is called only
 * when one is sent, so a large progress is copied once a second, not once per item.
 */
export function paced(b: Beats, everyMs: number, details: () => unknown): { beat(): void; flush(): void } {
  let last = -Infinity;
  const flush = (): void => {
    last = Date.now();
    b.heartbeat(details());
  };
  return {
    beat: () => {
      if (Date.now() - last >= everyMs) flush();
    },
    flush,
  };
}
