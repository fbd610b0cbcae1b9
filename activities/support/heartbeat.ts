/**
 * Heartbeats from code that also runs outside an activity (a bench, a unit test calling the function
 * directly): there, heartbeating does nothing and there are no earlier attempt's details.
 */
import { Context } from '@temporalio/activity';

function context(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/** Records progress (the SDK throttles what reaches the server); a no-op outside an activity. */
export function heartbeat(details: unknown): void {
  context()?.heartbeat(details);
}

/** What the last heartbeat of an earlier attempt of this activity recorded, if any. */
export function lastHeartbeat<T>(): T | undefined {
  return context()?.info.heartbeatDetails as T | undefined;
}

/**
 * Heartbeats at most every `everyMs` (and at once when asked to `flush`): `details` is called only
 * when one is sent, so a large progress is copied once a second, not once per item.
 */
export function paced(everyMs: number, details: () => unknown): { beat(): void; flush(): void } {
  let last = -Infinity;
  const flush = (): void => {
    last = Date.now();
    heartbeat(details());
  };
  return {
    beat: () => {
      if (Date.now() - last >= everyMs) flush();
    },
    flush,
  };
}
