/**
 * A long-poll the workflow may stop: runs `call` (an activity that returns with news, or after a
 * long while with none) until `stop()` holds, then cancels it. A campaign that is closed, or about
 * to continue as new, does not wait half an hour for its watcher or its grid poll to come back.
 */
import { CancellationScope, condition } from '@temporalio/workflow';

/** `{ value }` when `call` returned first; null when `stop()` held first (the call is cancelled and awaited). */
export async function unlessStopped<T>(call: () => Promise<T>, stop: () => boolean): Promise<{ value: T } | null> {
  if (stop()) return null;
  const work = new CancellationScope();
  const watch = new CancellationScope();
  const running = work.run(call);
  const stopped = watch.run(() => condition(stop));
  stopped.catch(() => undefined);
  try {
    const first = await Promise.race([running.then((value) => ({ value })), stopped.then(() => null)]);
    if (first === null) {
      work.cancel();
      await running.catch(() => undefined);
    }
    return first;
  } finally {
    watch.cancel();
  }
}
