import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ERROR_IN_HISTORY } from '../../common/failures.js';
import { packResult, unpackResult, type PathlessResult } from '../../common/outcome-codec.js';

const submitted: PathlessResult = {
  expnum: 1210447,
  band: 'i',
  nite: '20231014',
  status: 'submitted',
  jobId: '68745801.0@jobsub02.fnal.gov',
  warnings: ['no templates for this exposure'],
  attempts: { dagmaker: 2, submit: 1 },
  durationsMs: { dagmaker: 183_000, submit: 4_100, total: 190_000 },
  recovered: true,
};
const failed: PathlessResult = {
  expnum: 1210448,
  band: 'z',
  nite: '20231014',
  status: 'failed',
  error: 'submission failed: ' + 'x'.repeat(1000),
  warnings: [],
  attempts: { dagmaker: 1, submit: 1 },
  durationsMs: { dagmaker: 90_000, total: 95_000 },
  resumed: true,
};

test('a packed result unpacks to the same result', () => {
  assert.deepEqual(unpackResult(packResult(submitted, true)), submitted);
  assert.deepEqual(unpackResult(packResult({ ...failed, error: 'short' }, true)), { ...failed, error: 'short' });
  const cancelled: PathlessResult = {
    expnum: 1,
    band: 'g',
    nite: '20200304',
    status: 'cancelled',
    warnings: [],
    attempts: { dagmaker: 0, submit: 0 },
    durationsMs: { total: 0 },
  };
  assert.deepEqual(unpackResult(packResult(cancelled, true)), cancelled);
});

test('a long error is cut to what history keeps, or left out when the run cannot afford it', () => {
  assert.equal(unpackResult(packResult(failed, true)).error?.length, MAX_ERROR_IN_HISTORY);
  assert.equal(unpackResult(packResult(failed, false)).error, undefined);
});

test('a packed failure with its long error dropped takes a few dozen bytes', () => {
  assert.ok(JSON.stringify(packResult(failed, false)).length < 64, JSON.stringify(packResult(failed, false)));
});
