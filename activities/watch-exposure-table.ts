/**
 * `watchExposureTable`: a long poll of SISPI's exposure table for a campaign's new exposures. It
 * queries every DESGW_EXPOSURE_POLL_S for rows after the cursor (the campaign's propid, after the
 * trigger, processable by getExposureInfo.py's rules), heartbeats `{cursor, polls}` after each
 * query and every second between them (a retry resumes from them), and returns as soon as rows
 * arrive, or with none after maxWaitS. One connection serves the whole wait; a cancelled activity
 * stops within moments, mid query or mid wait. The database away fails it as DatabaseUnavailable,
 * which the campaign waits on.
 */
import { Context } from '@temporalio/activity';
import { dateOfMjd } from '../common/exposure-admission.js';
import type { WorkerConfig } from '../common/settings.js';
import type { WatchExposureTableInput, WatchExposureTableResult, WatchHeartbeat } from './campaign-types.js';
import { invalidInput } from './support/errors.js';
import { ExposureDb, NEW_ROWS_SQL, requireDbUrl } from './support/exposure-db.js';

/** At most this many rows a call (a campaign admits them in batches; the cursor carries on). */
export const MAX_ROWS = 1000;
const HEARTBEAT_MS = 1000;

export async function watchExposureTableWith(
  config: Pick<WorkerConfig, 'exposureDbUrl' | 'exposurePollS'>,
  input: WatchExposureTableInput,
): Promise<WatchExposureTableResult> {
  const url = requireDbUrl(config.exposureDbUrl);
  checkWatchInput(input);
  const ctx = Context.current();
  const resumed = ctx.info.heartbeatDetails as Partial<WatchHeartbeat> | undefined;
  let cursor = Math.max(input.afterId, Number.isSafeInteger(resumed?.cursor) ? resumed!.cursor! : 0);
  let polls = Number.isSafeInteger(resumed?.polls) ? resumed!.polls! : 0;
  const deadline = Date.now() + input.maxWaitS * 1000;
  const trigger = dateOfMjd(input.triggerMjd);

  const db = await openUnlessCancelled(url, ctx);
  try {
    for (;;) {
      const rows = await Promise.race([
        db.query(NEW_ROWS_SQL, [cursor, input.propid, trigger, MAX_ROWS]),
        ctx.cancelled,
      ]);
      polls++;
      const lastPollAt = new Date().toISOString();
      // The cursor heartbeated is the one before these rows: were the result lost (the worker
      // dying as it returns), the retry finds them again rather than skipping them.
      ctx.heartbeat({ cursor, polls } satisfies WatchHeartbeat);
      if (rows.length > 0) {
        cursor = Math.max(cursor, ...rows.map((r) => r.expnum));
        const newest = rows.reduce((a, b) => (Date.parse(b.date) > Date.parse(a.date) ? b : a));
        const newestRowAgeS = Math.round((Date.now() - Date.parse(newest.date)) / 100) / 10;
        return { rows, cursor, polls, lastPollAt, newestRowAgeS };
      }
      if (Date.now() >= deadline) return { rows: [], cursor, polls, lastPollAt };
      // Heartbeats at least every second while it waits: a cancellation rides on their answers.
      const until = Math.min(Date.now() + config.exposurePollS * 1000, deadline);
      while (Date.now() < until) {
        await ctx.sleep(Math.min(HEARTBEAT_MS, until - Date.now()));
        ctx.heartbeat({ cursor, polls } satisfies WatchHeartbeat);
      }
    }
  } finally {
    await db.close();
  }
}

/** The connection, or the cancellation if it comes first (a connection that opens after it is closed). */
async function openUnlessCancelled(url: string, ctx: Context): Promise<ExposureDb> {
  const opening = ExposureDb.open(url);
  try {
    return await Promise.race([opening, ctx.cancelled]);
  } catch (err) {
    void opening.then(
      (db) => db.close(),
      () => undefined,
    );
    throw err;
  }
}

function checkWatchInput(input: WatchExposureTableInput): void {
  const problems: string[] = [];
  if (typeof input.propid !== 'string' || !/^[\x21-\x7e][\x20-\x7e]{0,63}$/.test(input.propid))
    problems.push('propid must be a proposal id such as 2024A-0001 (printable, at most 64 characters)');
  if (typeof input.triggerMjd !== 'number' || !(input.triggerMjd > 40000 && input.triggerMjd < 100000))
    problems.push('triggerMjd must be an MJD (a number between 40000 and 100000)');
  if (!Number.isSafeInteger(input.afterId) || input.afterId < 0 || input.afterId > 2 ** 31 - 1)
    problems.push('afterId must be an exposure number or 0');
  if (typeof input.maxWaitS !== 'number' || !(input.maxWaitS >= 0 && input.maxWaitS <= 86400))
    problems.push('maxWaitS must be a number of seconds between 0 and 86400');
  if (problems.length > 0) throw invalidInput(problems);
}
