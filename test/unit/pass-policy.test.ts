import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { passDecision, passPolicyProblems } from '../../common/pass-policy.js';

const base = { finished: 0, lastPassTook: 0, oldestNewSinceMs: null, nowMs: 0, final: false, upToDate: false };

test('no pass runs while nothing has finished since the last one', () => {
  assert.deepEqual(passDecision(undefined, { ...base, finished: 12, lastPassTook: 12, upToDate: true }), {
    run: false,
  });
});

test('a pass runs once ten exposures have finished since the last (the default count)', () => {
  assert.equal(passDecision(undefined, { ...base, finished: 9, oldestNewSinceMs: 0 }).run, false);
  const d = passDecision(undefined, { ...base, finished: 10, oldestNewSinceMs: 0 });
  assert.equal(d.run, true);
  assert.match(d.run ? d.why : '', /10 exposures finished since the last pass/);
});

test('a pass runs when the new exposures are a quarter more than the last pass took', () => {
  assert.equal(passDecision(undefined, { ...base, finished: 12, lastPassTook: 8, oldestNewSinceMs: 0 }).run, true);
  assert.equal(passDecision(undefined, { ...base, finished: 9, lastPassTook: 8, oldestNewSinceMs: 0 }).run, false);
});

test('one new exposure gets a pass after it has waited an hour, and says when to look again before that', () => {
  const early = passDecision(undefined, { ...base, finished: 1, oldestNewSinceMs: 0, nowMs: 20 * 60_000 });
  assert.deepEqual(early, { run: false, recheckInMs: 40 * 60_000 });
  assert.equal(passDecision(undefined, { ...base, finished: 1, oldestNewSinceMs: 0, nowMs: 60 * 60_000 }).run, true);
});

test('the policy of the input replaces the defaults it names', () => {
  assert.equal(passDecision({ minNew: 2 }, { ...base, finished: 2, oldestNewSinceMs: 0 }).run, true);
});

test('after closing, the last pass takes whatever is new, or re-runs a pass that did not succeed, and nothing else', () => {
  assert.equal(passDecision(undefined, { ...base, final: true, finished: 13, lastPassTook: 12 }).run, true);
  assert.equal(passDecision(undefined, { ...base, final: true, finished: 12, lastPassTook: 12 }).run, true);
  assert.equal(
    passDecision(undefined, { ...base, final: true, finished: 12, lastPassTook: 12, upToDate: true }).run,
    false,
  );
  assert.equal(passDecision(undefined, { ...base, final: true }).run, false);
});

test('a pass policy with an unknown or non-positive setting is refused, naming the field', () => {
  assert.deepEqual(passPolicyProblems({ minNew: 10 }), []);
  assert.deepEqual(passPolicyProblems({ minNew: 1.5, every: 3 }), [
    'postProcessing.passPolicy.every is not a setting of the pass policy',
    'postProcessing.passPolicy.minNew must be a positive integer, not 1.5',
  ]);
});

test('once the campaign is closed, no pass runs before the last one, however many exposures are new', () => {
  assert.deepEqual(passDecision(undefined, { ...base, closed: true, finished: 30, oldestNewSinceMs: 0 }), {
    run: false,
  });
  assert.equal(passDecision(undefined, { ...base, closed: true, final: true, finished: 30 }).run, true);
});
