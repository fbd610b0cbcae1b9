/**
 * Why: an activity that reads thousands of /pnfs entries keeps several in flight, yet must report
 * its progress as "the first N are done" (its heartbeat), so that a retried attempt resumes at N and
 * nothing before N is lost or done twice. Pure scheduling, no I/O.
 */

/**
 * Runs `work(i)` for i in [from, to), at most `width` at once, and hands each result to `settled`
 * in index order, as soon as every one before it has been handed over.
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
  const results = new Map<number, T>();
  const lane = async (): Promise<void> => {
    while (next < to) {
      const i = next++;
      results.set(i, await work(i));
      while (results.has(committed)) {
        const r = results.get(committed)!;
        results.delete(committed);
        settled(committed++, r);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, to - from)) }, lane));
}
