/**
 * The fast tier for post-processing: the `postProcessing` workflow on a real dev server with stub
 * activities, so its orchestration is checked in seconds: a long grid wait continues as new and
 * keeps what it knew (finished DAGs, the wait's cost, jobsub_q's pace, the deadline), and a checkout
 * held by another post-processing is waited for. test/integration/post-processing.test.ts checks
 * the same workflow against the sandbox site.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_QUEUE } from '../../common/contract.js';
import { Failure } from '../../common/failures.js';
import { postProcessingProgressQuery, retryNowSignal } from '../../common/messages.js';
import { postProcessing } from '../../workflows/post-processing.js';
import { devServerForThisFile, eventually, range } from '../helpers/harness.js';
import {
  failure,
  pendingExpnums,
  stubActivities,
  validatedRun,
  withStubs,
  type Activities,
} from '../helpers/stub-activities.js';

const server = devServerForThisFile();
let counter = 0;
const start = () =>
  server.env.client.workflow.start(postProcessing, {
    taskQueue: TASK_QUEUE,
    workflowId: `fast-pp-${process.pid}-${++counter}`,
    args: [{ season: 612, exposures: [], triggerId: 'S240511i', triggerMjd: 60441.37, propid: '2024A-0001' }],
  });

test('a long grid wait continues as new and carries on where it was: finished DAGs, the cost so far, jobsub_q at most once a minute', async () => {
  const run = validatedRun(range(2000, 3));
  const base = stubActivities(run);
  let polls = 0;
  let queueAsked = 0;
  const activities: Activities = {
    ...base,
    resolvePostProcessing: async (input) => ({ ...(await base.resolvePostProcessing(input)), historyEventLimit: 60 }),
    checkGrid: async (input) => {
      polls++;
      if (input.askQueue) queueAsked++;
      const expnums = pendingExpnums(input);
      // One DAG finishes at the 3rd poll, the others at the 40th.
      const done = expnums.filter((expnum) => (expnum === 2000 ? polls >= 3 : polls >= 40));
      return {
        finished: done.map((expnum) => ({ expnum, how: 'runend' as const })),
        pnfsReads: expnums.length,
        jobsubQCalls: input.askQueue ? 1 : 0,
      };
    },
  };
  const { result, continued, lastRunEvents } = await withStubs(server.env, activities, async () => {
    const handle = await start();
    const result = await handle.result();
    const latest = server.env.client.workflow.getHandle(handle.workflowId);
    const continued = (await latest.describe()).runId !== handle.firstExecutionRunId;
    return { result, continued, lastRunEvents: (await latest.fetchHistory()).events?.length ?? 0 };
  });
  assert.ok(continued, 'it continued as new');
  assert.equal(polls, 40);
  assert.equal(result.grid.polls, 40, 'the count of polls crossed continue-as-new');
  assert.equal(result.grid.pnfsReads, 3 * 3 + 2 * 37 + 3 * 60, 'the stats of every poll, and the judging');
  assert.equal(queueAsked, 1, 'jobsub_q once in the whole wait (under a minute), not again after continue-as-new');
  assert.deepEqual(result.verdicts?.passed, [2000, 2001, 2002], 'every DAG finished, every exposure passed');
  assert.ok(lastRunEvents < 100, `the last run's history is small (${lastRunEvents} events)`);
  assert.equal(result.outcome, 'success');
});

test('a checkout held by another post-processing is waited for, saying so, and tried again on retryNow', async () => {
  const run = validatedRun(range(2100, 2));
  let held = true;
  let tries = 0;
  const activities = stubActivities(run, {
    runPostproc: async () => {
      tries++;
      if (held)
        throw failure(
          Failure.CheckoutBusy,
          'another post-processing (pp-other) is running in /stub/Post-Processing: this one waits its turn',
          true,
        );
      return { outcome: 'success', reason: 'stub', logFile: '/stub/log', skipTo: null, durationMs: 1 };
    },
  });
  const result = await withStubs(server.env, activities, async () => {
    const handle = await start();
    const waiting = await eventually('waiting for the checkout', async () => {
      const p = await handle.query(postProcessingProgressQuery);
      return p.phase === 'waiting-for-checkout' && p;
    });
    assert.match(waiting.waitingFor!.message, /pp-other/);
    held = false;
    await handle.signal(retryNowSignal);
    return handle.result();
  });
  assert.equal(result.outcome, 'success');
  assert.equal(tries, 2, 'one try while held, one on retryNow (not a retry storm)');
});

test('a long wait for a held checkout continues as new, carrying what was judged and written: nothing is judged or written again', async () => {
  const run = validatedRun(range(2200, 2));
  const base = stubActivities(run);
  let tries = 0;
  let judged = 0;
  let written = 0;
  const activities: Activities = {
    ...base,
    resolvePostProcessing: async (input) => ({ ...(await base.resolvePostProcessing(input)), historyEventLimit: 60 }),
    judgeExposures: async (input) => {
      judged++;
      return base.judgeExposures(input);
    },
    writePostprocInputs: async (input) => {
      written++;
      return base.writePostprocInputs(input);
    },
    runPostproc: async () => {
      // Held for 30 tries (a day at the real pace of one a minute), then free.
      if (++tries <= 30)
        throw failure(
          Failure.CheckoutBusy,
          'another post-processing (pp-other) is running in /stub/Post-Processing',
          true,
        );
      return { outcome: 'success', reason: 'stub', logFile: '/stub/log', skipTo: null, durationMs: 1 };
    },
  };
  const { result, runs } = await withStubs(server.env, activities, async () => {
    const handle = await start();
    // Each try is woken at once, as `desgw retry-now` would.
    const waker = setInterval(() => void handle.signal(retryNowSignal).catch(() => undefined), 50);
    try {
      const result = await handle.result();
      const runs = [];
      for await (const w of server.env.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` }))
        runs.push(w.runId);
      return { result, runs };
    } finally {
      clearInterval(waker);
    }
  });
  assert.equal(result.outcome, 'success');
  assert.ok(runs.length >= 2, `it continued as new (${runs.length} executions)`);
  assert.equal(judged, 1, 'judged once');
  assert.equal(written, 1, 'inputs written once');
  assert.deepEqual(result.verdicts?.passed, [2200, 2201], 'the verdicts crossed continue-as-new');
});
