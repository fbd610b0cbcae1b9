import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickAutoSeason, reservedReason } from '../../common/season-rules.js';

test('reserved seasons are refused with the reason', () => {
  assert.match(reservedReason(5)!, /supernova group/);
  assert.match(reservedReason(15)!, /reserved/);
  assert.match(reservedReason(5000)!, /wide-survey/);
  assert.match(reservedReason(6000)!, /wide-survey/);
  assert.match(reservedReason(0)!, /not a positive integer/);
  assert.equal(reservedReason(20), null);
  assert.equal(reservedReason(612), null);
  assert.equal(reservedReason(2206), null);
});

test('auto never picks below 101, nor a used, test or wide-survey season', () => {
  assert.equal(pickAutoSeason(new Set()), 101);
  assert.equal(pickAutoSeason(new Set([101, 102, 104])), 103);
  assert.equal(pickAutoSeason(new Set(), 2206), 2207);
  assert.equal(pickAutoSeason(new Set([2207]), 2206), 2209);
  assert.equal(pickAutoSeason(new Set(), 5000), 5001);
  assert.equal(pickAutoSeason(new Set(), 5), 101);
});
