/**
 * Why: an activity that reads thousands of /pnfs entries keeps several in flight, yet must report
 * its progress as "the first N are done" (its heartbeat), so that a retried attempt resumes at N and
 * nothing before N is lost or done twice. Pure scheduling, no I/O.
 */

/**
 * Runs `work(i)` for i in [from, to), at most `width` at once, and hands each result to `settled`
 * in index order, as soon as every one before it has been handed over. When one fails, no more
 * start; it throws that failure once those running have ended (nothing runs on behind its back).
 */
export async function inOrder<T>(
  from: number,
  to: number,
  width: number,
  work: (i: number) => Promise<T>,
  settled: (i: number, result: T) => void,
): Promise<void> {
  let next = from;
  let committed = from;
  let failed = false;
  const results = new Map<number, T>();
  const lane = async (): Promise<void> => {
    while (next < to && !failed) {
      const i = next++;
      try {
        results.set(i, await work(i));
      } catch (err) {
        failed = true;
        throw err;
      }
      while (results.has(committed)) {
        const r = results.get(committed)!;
        results.delete(committed);
        settled(committed++, r);
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(width, to - from)) }, lane));
  const failure = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failure) throw failure.reason;
}
