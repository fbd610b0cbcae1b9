/**
 * `watchGrid`: one long-poll for a whole event campaign, in place of a timer a minute per exposure.
 * It looks at the campaign's exposures still on the grid the way a post-processing's grid wait does
 * (checkGrid: each DAG's RUNEND marker, and jobsub_q at most once a minute with the campaign's own
 * environment) every DESGW_GRID_POLL_S, heartbeating, and returns once one has finished (with
 * those that finish in the `settleS` that follow), or after `maxWaitS` with none. The grid root is the campaign's own (its dagmaker.rc's DESTCACHE and
 * SCHEMA); the environment must be the campaign's own environment.json.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { effectiveRcValue } from '../common/dagmaker-rc.js';
import { gridRoot } from '../common/grid-root.js';
import type { GridFinish } from '../common/post-processing-contract.js';
import type { WorkerConfig } from '../common/settings.js';
import { checkGridWith } from './check-grid.js';
import type { PnfsReads } from './support/pnfs-reads.js';
import type { PostExposure } from './post-processing-types.js';
import { runEnvironmentProblem, runRcOf, withSubmissionTimes } from './resolve-post-processing.js';
import { invalidInput } from './support/errors.js';

export interface WatchGridInput {
  season: number;
  runDir: string;
  envFile: string;
  exposures: PostExposure[];
  maxWaitS: number;
  /**
   * Once one DAG has finished, look on until this many seconds from the start, and return those
   * finished by then together: fewer returns, a smaller history (default 0: at once).
   */
  settleS?: number;
}

export interface WatchGridResult {
  finished: { expnum: number; how: GridFinish }[];
  polls: number;
  jobsubQCalls: number;
}

/** jobsub_q at most this often, whatever the poll. */
const QUEUE_EVERY_MS = 60_000;

export async function watchGridWith(
  config: WorkerConfig,
  reads: PnfsReads,
  input: WatchGridInput,
): Promise<WatchGridResult> {
  const problem = await runEnvironmentProblem(config, input.envFile);
  if (problem) throw invalidInput([problem]);
  const rc = await runRcOf(config, input.runDir);
  if (rc === null) throw invalidInput([`${input.runDir} holds no dagmaker.rc of a run under the allowed roots`]);
  const pnfsRoot = gridRoot(
    config,
    effectiveRcValue(rc.text, {}, 'DESTCACHE').value,
    effectiveRcValue(rc.text, {}, 'SCHEMA').value,
  );
  const exposures = await withSubmissionTimes(config, input.runDir, input.exposures);
  const ctx = Context.current();
  const started = Date.now();
  let lastQueue = 0;
  let polls = 0;
  let jobsubQCalls = 0;
  const finished = new Map<number, GridFinish>();
  for (;;) {
    const askQueue = Date.now() - lastQueue >= QUEUE_EVERY_MS;
    const pending = exposures.filter((e) => !finished.has(e.expnum));
    const r = await checkGridWith(reads, {
      season: input.season,
      pnfsRoot,
      exposures: pending,
      askQueue,
      envFile: input.envFile,
    });
    polls++;
    if (r.jobsubQCalls > 0) lastQueue = Date.now();
    jobsubQCalls += r.jobsubQCalls;
    for (const f of r.finished) finished.set(f.expnum, f.how);
    const elapsedS = (Date.now() - started) / 1000;
    const settled = finished.size > 0 && elapsedS >= (input.settleS ?? 0);
    if (settled || elapsedS >= input.maxWaitS)
      return { finished: [...finished].map(([expnum, how]) => ({ expnum, how })), polls, jobsubQCalls };
    ctx.heartbeat({ polls });
    await sleep(Math.min(config.gridPollS * 1000, input.maxWaitS * 1000), undefined, {
      signal: ctx.cancellationSignal,
    });
  }
}
