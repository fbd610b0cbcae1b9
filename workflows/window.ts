/**
 * The sliding window of a run: a new exposure starts the moment one finishes, never more than
 * `maxConcurrent` at once, none while `paused()` (a child waits for a renewed proxy), and items
 * already `done` (an earlier run of the id finished them) are passed over in list order. When the
 * history is full, the exposures in flight finish and `carryOn(next)` continues the run as new.
 */
import { condition, isCancellation } from '@temporalio/workflow';

export interface WindowOptions<T> {
  items: readonly T[];
  /** Index of the first item not yet started (a continued run starts where the last left off). */
  start: number;
  maxConcurrent: number;
  done: (item: T) => boolean;
  paused: () => boolean;
  historyFull: () => boolean;
  runOne: (item: T) => Promise<void>;
  carryOn: (next: number) => Promise<never>;
}

export async function slidingWindow<T>(w: WindowOptions<T>): Promise<void> {
  let inFlight = 0;
  let next = w.start;
  const running: Promise<void>[] = [];
  try {
    while (next < w.items.length) {
      if (w.done(w.items[next]!)) {
        next++;
        continue;
      }
      await condition(() => (inFlight < w.maxConcurrent && !w.paused()) || w.historyFull());
      if (w.historyFull()) {
        // The children in flight belong to this run: let them finish, then carry on in a new one.
        await Promise.all(running);
        await w.carryOn(next);
      }
      inFlight++;
      running.push(w.runOne(w.items[next++]!).finally(() => void inFlight--));
    }
    await Promise.all(running);
  } catch (err) {
    // Cancelled: the children are being cancelled (their DAGMakers killed); let them end first.
    if (isCancellation(err)) await Promise.allSettled(running);
    throw err;
  }
}
