/**
 * The window of a run or a campaign: a queue of exposures that a new one leaves the moment one
 * finishes, never more than `maxConcurrent` at once and none while `paused()` (a child waits for a
 * renewed proxy). A list run fills the queue at once and closes it; a campaign adds exposures as the
 * telescope takes them and closes it when a person says the event is done. When the history is full,
 * the exposures in flight finish and `carryOn()` continues the workflow as new.
 *
 * No command is issued here (only `condition`), so a list run takes its exposures in the order it
 * always did: the recorded histories replay.
 */
import { condition, isCancellation } from '@temporalio/workflow';

export interface QueueOptions<T> {
  maxConcurrent: number;
  paused: () => boolean;
  historyFull: () => boolean;
  runOne: (item: T) => Promise<void>;
  /** Continues as new; called once the items in flight have finished. */
  carryOn: () => Promise<never>;
  /** Called when an item leaves the queue (to start), before `runOne`. */
  taken?: (item: T) => void;
}

/** A queue that runs its items `maxConcurrent` at once, until it is closed and empty. */
export class WorkQueue<T> {
  private readonly waiting: T[] = [];
  private closed = false;
  private inFlight = 0;
  /** Items taken since the queue was made (a list run's index of the next item is its start plus these). */
  taken = 0;

  constructor(private readonly o: QueueOptions<T>) {}

  /** Adds items at the back: they start in the order added. */
  push(...items: T[]): void {
    this.waiting.push(...items);
  }

  /** No more items will come: `run` ends once the queue is empty and nothing is in flight. */
  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The items waiting to start, in order. */
  get queued(): readonly T[] {
    return this.waiting;
  }

  get running(): number {
    return this.inFlight;
  }

  /** Takes items as they come until the queue is closed and empty, then waits for those in flight. */
  async run(): Promise<void> {
    const running: Promise<void>[] = [];
    const o = this.o;
    try {
      for (;;) {
        await condition(
          () =>
            (this.waiting.length > 0 && this.inFlight < o.maxConcurrent && !o.paused()) ||
            o.historyFull() ||
            (this.closed && this.waiting.length === 0),
        );
        if (this.closed && this.waiting.length === 0) break;
        if (o.historyFull()) {
          // The children in flight belong to this run: let them finish, then carry on in a new one.
          await Promise.all(running);
          await o.carryOn();
        }
        if (this.waiting.length === 0) continue;
        const item = this.waiting.shift()!;
        this.taken++;
        this.inFlight++;
        o.taken?.(item);
        running.push(o.runOne(item).finally(() => void this.inFlight--));
      }
      await Promise.all(running);
    } catch (err) {
      // Cancelled: the children are being cancelled (their DAGMakers killed); let them end first.
      if (isCancellation(err)) await Promise.allSettled(running);
      throw err;
    }
  }
}

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

/**
 * A list run's window: every item from `start` on that is not `done` goes into a queue that is
 * closed at once; `carryOn` is told the index of the first item not yet started.
 */
export async function slidingWindow<T>(w: WindowOptions<T>): Promise<void> {
  const rest = w.items.slice(w.start);
  // Index (in w.items) of each queued item, to tell carryOn where the next run starts.
  const indexOf = new Map<T, number>(rest.map((item, i) => [item, w.start + i]));
  const queue: WorkQueue<T> = new WorkQueue<T>({
    ...w,
    carryOn: () => w.carryOn(queue.queued.length > 0 ? indexOf.get(queue.queued[0]!)! : w.items.length),
  });
  queue.push(...rest.filter((item) => !w.done(item)));
  queue.close();
  await queue.run();
}
