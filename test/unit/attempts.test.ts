import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TimeoutFailure,
  type RetryState,
} from '@temporalio/common';
import { attemptsOfFailure, countingAttempts } from '../../workflows/attempts.js';

const OPTIONS = { startToCloseTimeout: '1 minute', retry: { maximumAttempts: 6 } };

const activityFailure = (cause: Error, retryState: RetryState = 'NON_RETRYABLE_FAILURE') =>
  new ActivityFailure('activity failed', 'submitDag', '1', retryState, 'worker', cause);
const withAttempt = (attempt: number, type = 'JobsubUnavailable') =>
  ApplicationFailure.create({ type, message: 'jobsub did not answer', details: [{ attempt }] });

test('a failure counts the attempts its activity reported', () => {
  assert.equal(attemptsOfFailure(activityFailure(withAttempt(6), 'MAXIMUM_ATTEMPTS_REACHED'), OPTIONS), 6);
  assert.equal(attemptsOfFailure(activityFailure(withAttempt(2, 'WorkerShutdown')), OPTIONS), 2);
});

test('a failure without its attempt counts every attempt when the activity ran out of them, else one', () => {
  const timeout = new TimeoutFailure('timed out', undefined, 'START_TO_CLOSE');
  assert.equal(attemptsOfFailure(activityFailure(timeout, 'MAXIMUM_ATTEMPTS_REACHED'), OPTIONS), 6);
  assert.equal(attemptsOfFailure(activityFailure(ApplicationFailure.nonRetryable('bad')), OPTIONS), 1);
  assert.equal(attemptsOfFailure(activityFailure(new CancelledFailure('cancelled'), 'CANCEL_REQUESTED'), OPTIONS), 1);
});

test('a task no worker took was never attempted; an error that is no activity failure counts nothing', () => {
  const notStarted = new TimeoutFailure('no worker', undefined, 'SCHEDULE_TO_START');
  assert.equal(attemptsOfFailure(activityFailure(notStarted, 'TIMEOUT'), OPTIONS), 0);
  assert.equal(attemptsOfFailure(new Error('not an activity'), OPTIONS), 0);
});

test('every execution is counted, the successful one by its attempt number', async () => {
  let total = 0;
  const add = (n: number) => void (total += n);
  await assert.rejects(
    countingAttempts(OPTIONS, () => Promise.reject(activityFailure(withAttempt(6), 'MAXIMUM_ATTEMPTS_REACHED')), add),
  );
  await assert.rejects(
    countingAttempts(
      { ...OPTIONS, retry: { maximumAttempts: 1 } },
      () => Promise.reject(activityFailure(withAttempt(1), 'MAXIMUM_ATTEMPTS_REACHED')),
      add,
    ),
  );
  const r = await countingAttempts(OPTIONS, async () => ({ attempt: 2, jobId: 'x' }), add);
  assert.equal(r.jobId, 'x');
  assert.equal(total, 6 + 1 + 2);
});
